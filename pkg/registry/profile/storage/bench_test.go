package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

// BenchmarkListProfiles lists 5,000 profiles behind the watch cache as a
// cluster admin (every profile) and as a member of 50 of them (the
// filtered list), in one run, so the two compare:
//
//	go test ./pkg/registry/profile/storage -run '^$' -bench ListProfiles -benchtime 200x
func BenchmarkListProfiles(b *testing.B) {
	const total, memberOf = 5000, 50
	s, err := NewStorage(registrytest.NewStorageOptions(b, "profiles", registrytest.Backends["watch cache"]), Access{Authorizer: admins})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Profile.Destroy)
	ctx := as("root")
	var wg sync.WaitGroup
	errs := make(chan error, total)
	sem := make(chan struct{}, 16)
	for i := range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p := mltesting.MakeProfile(fmt.Sprintf("team-%04d", i), fmt.Sprintf("owner-%d", i))
			if i%(total/memberOf) == 0 {
				p.Contributor(mltesting.User("member"), ml.ContributorRoleEdit)
			}
			if _, err := s.Profile.Create(ctx, p.Obj(), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	// The watch cache has caught up when the admin sees every profile.
	if err := wait.PollUntilContextTimeout(context.Background(), 100e6, 60e9, true, func(context.Context) (bool, error) {
		obj, err := s.Profile.List(ctx, &metainternalversion.ListOptions{ResourceVersion: "0"})
		return err == nil && len(obj.(*ml.ProfileList).Items) == total, nil
	}); err != nil {
		b.Fatalf("the watch cache did not reach %d profiles: %v", total, err)
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want int
	}{
		{"admin", ctx, total},
		{"member", as("member"), memberOf},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				obj, err := s.Profile.List(tc.ctx, &metainternalversion.ListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if n := len(obj.(*ml.ProfileList).Items); n != tc.want {
					b.Fatalf("listed %d profiles, want %d", n, tc.want)
				}
			}
		})
	}
}
