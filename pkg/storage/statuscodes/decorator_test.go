package statuscodes

import (
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage"
)

func TestIsTooLarge(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrRequestTooLarge, true},
		{fmt.Errorf("txn: %w", rpctypes.ErrGRPCRequestTooLarge), true},
		{status.Error(grpccodes.ResourceExhausted, "grpc: received message larger than max (3000000 vs. 2097152)"), true},
		{errors.New("etcdserver: request is too large"), true},
		{rpctypes.ErrNoSpace, false},
		{errors.New("connection refused"), false},
	}
	for _, tc := range cases {
		if got := isTooLarge(tc.err); got != tc.want {
			t.Errorf("isTooLarge(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBadRequest(t *testing.T) {
	invalid := storage.NewInvalidError(field.ErrorList{field.Invalid(field.NewPath("resourceVersion"), "abc", "not a number")})
	if err := badRequest(invalid); !apierrors.IsBadRequest(err) {
		t.Errorf("an invalid resourceVersion gives %v, want 400 Bad Request", err)
	}
	other := errors.New("boom")
	if err := badRequest(other); err != other {
		t.Errorf("another error became %v", err)
	}
}
