package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestServerSideApply(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		const name = "applied"
		fieldPath := "." + strings.Join(k.Field, ".")

		obj, err := c.Apply(ctx, name, k.Values[0], metav1.ApplyOptions{FieldManager: "manager-a"})
		if err != nil {
			t.Fatalf("first apply (creates the object): %v", err)
		}
		if v := mltesting.FieldValue(t, obj, k.Field...); !cmp.Equal(k.Values[0], v) {
			t.Errorf("applied %v (-want +got):\n%s", k.Field, cmp.Diff(k.Values[0], v))
		}
		if !managerOwns(t, obj, "manager-a", k.Field) {
			t.Errorf("manager-a does not own %s after its apply; managedFields: %s", fieldPath, managedFieldsString(obj))
		}
		again, err := c.Apply(ctx, name, k.Values[0], metav1.ApplyOptions{FieldManager: "manager-a"})
		if err != nil {
			t.Fatalf("second apply of the same configuration: %v", err)
		}
		if again.GetResourceVersion() != obj.GetResourceVersion() || again.GetGeneration() != 1 {
			t.Errorf("applying the same configuration again changed the object: resourceVersion %s -> %s, generation %d",
				obj.GetResourceVersion(), again.GetResourceVersion(), again.GetGeneration())
		}

		_, err = c.Apply(ctx, name, k.Values[1], metav1.ApplyOptions{FieldManager: "manager-b"})
		if !apierrors.IsConflict(err) {
			t.Fatalf("apply by a second manager changing %s: want a Conflict, got %v", fieldPath, err)
		}
		var wantCauses []metav1.StatusCause
		wantCauses = append(wantCauses, metav1.StatusCause{
			Type:    metav1.CauseTypeFieldManagerConflict,
			Message: `conflict with "manager-a"`,
			Field:   fieldPath,
		})
		if diff := cmp.Diff(wantCauses, statusCauses(err)); diff != "" {
			t.Errorf("conflict causes (-want +got):\n%s", diff)
		}
		if !strings.Contains(err.Error(), fieldPath) {
			t.Errorf("conflict message %q does not name %s", err.Error(), fieldPath)
		}
		got, err := c.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if v := mltesting.FieldValue(t, got, k.Field...); !cmp.Equal(k.Values[0], v) {
			t.Errorf("a conflicting apply changed %v (-want +got):\n%s", k.Field, cmp.Diff(k.Values[0], v))
		}

		forced, err := c.Apply(ctx, name, k.Values[1], metav1.ApplyOptions{FieldManager: "manager-b", Force: true})
		if err != nil {
			t.Fatalf("forced apply: %v", err)
		}
		if v := mltesting.FieldValue(t, forced, k.Field...); !cmp.Equal(k.Values[1], v) {
			t.Errorf("force-applied %v (-want +got):\n%s", k.Field, cmp.Diff(k.Values[1], v))
		}
		if !managerOwns(t, forced, "manager-b", k.Field) || managerOwns(t, forced, "manager-a", k.Field) {
			t.Errorf("after a forced apply manager-b should own %s alone; managedFields: %s", fieldPath, managedFieldsString(forced))
		}
	})
}

// statusCauses returns the causes in the details of an API error.
func statusCauses(err error) []metav1.StatusCause {
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil {
		return nil
	}
	return status.Status().Details.Causes
}

// managerOwns says whether manager's apply entry in the managed fields of
// obj holds the field at path.
func managerOwns(t *testing.T, obj mltesting.Object, manager string, path []string) bool {
	t.Helper()
	for _, entry := range obj.GetManagedFields() {
		if entry.Manager != manager || entry.Operation != metav1.ManagedFieldsOperationApply || entry.FieldsV1 == nil {
			continue
		}
		var set map[string]any
		if err := json.Unmarshal(entry.FieldsV1.GetRawBytes(), &set); err != nil {
			t.Fatalf("decode managed fields of %s: %v", manager, err)
		}
		for i, p := range path {
			v, ok := set["f:"+p]
			if !ok {
				return false
			}
			if i == len(path)-1 {
				return true
			}
			if set, ok = v.(map[string]any); !ok {
				return false
			}
		}
	}
	return false
}

func managedFieldsString(obj mltesting.Object) string {
	data, _ := json.Marshal(obj.GetManagedFields())
	return string(data)
}
