package logstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/storage/budget"
)

// noise is n bytes of lines that do not compress well.
func noise(seed int64, n int) string {
	r := rand.New(rand.NewSource(seed))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for b.Len() < n {
		for range 79 {
			b.WriteByte(letters[r.Intn(len(letters))])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestEtcdArchiveBudget: archives count against the budget shared with
// metrics and the owner's cap; past either they are refused and nothing is
// stored; replacing a log counts the difference; deleting the owner gives
// its bytes back, and a recount (a restarted server) agrees.
func TestEtcdArchiveBudget(t *testing.T) {
	ctx := context.Background()
	base := newStore(t, 1<<20)
	b := budget.New(base.client, 700<<10)
	s := NewEtcd(EtcdConfig{Client: base.client, MaxBytes: 1 << 20, MaxBytesPerOwner: 400 << 10, Budget: b})
	b.Count(s.UsagePrefix())
	stream := func(owner, pod string) Stream {
		return Stream{Namespace: "ns", OwnerUID: types.UID("uid-" + owner), Pod: pod, Container: "trainer"}
	}
	put := func(st Stream, log string) error {
		_, err := s.Put(ctx, Meta{Stream: st, OwnerResource: "trainingjobs", OwnerName: string(st.OwnerUID)}, strings.NewReader(log))
		return err
	}

	// Owner a: 3 logs of 200 KiB (about 160 KiB compressed) fit its cap of
	// 400 KiB only twice.
	if err := put(stream("a", "a-0"), noise(1, 200<<10)); err != nil {
		t.Fatal(err)
	}
	if err := put(stream("a", "a-1"), noise(2, 200<<10)); err != nil {
		t.Fatal(err)
	}
	var capErr *BytesCapError
	if err := put(stream("a", "a-2"), noise(3, 200<<10)); !errors.As(err, &capErr) {
		t.Fatalf("third log of owner a: %v, want a BytesCapError", err)
	}
	if _, err := s.Open(ctx, stream("a", "a-2")); err != ErrNotFound {
		t.Errorf("the refused log was stored: %v", err)
	}
	// Replacing a log of a with a smaller one frees the difference.
	before := b.Used()
	if err := put(stream("a", "a-1"), noise(4, 50<<10)); err != nil {
		t.Fatal(err)
	}
	if b.Used() >= before {
		t.Errorf("budget used %d after replacing a log by a smaller one, %d before", b.Used(), before)
	}

	// Other owners fill the rest of the budget.
	var full *budget.ExceededError
	var err error
	owners := []string{"a"}
	for i := range 10 {
		owner := fmt.Sprintf("c%d", i)
		if err = put(stream(owner, owner+"-0"), noise(int64(10+i), 150<<10)); err != nil {
			break
		}
		owners = append(owners, owner)
	}
	if !errors.As(err, &full) {
		t.Fatalf("filling the budget ended with %v, want an ExceededError", err)
	}
	if b.Used() > b.Limit() {
		t.Errorf("budget used %d past its limit %d", b.Used(), b.Limit())
	}

	restarted := budget.New(base.client, b.Limit())
	restarted.Count(s.UsagePrefix())
	if err := restarted.Recount(ctx); err != nil {
		t.Fatal(err)
	}
	if restarted.Used() != b.Used() {
		t.Errorf("a recount finds %d bytes, the running budget %d", restarted.Used(), b.Used())
	}
	for _, owner := range owners {
		if err := s.DeleteOwner(ctx, "ns", types.UID("uid-"+owner)); err != nil {
			t.Fatal(err)
		}
	}
	if b.Used() != 0 {
		t.Errorf("budget used %d after deleting every owner", b.Used())
	}
	if err := put(stream("d", "d-0"), noise(30, 200<<10)); err != nil {
		t.Errorf("archive after deletes freed the budget: %v", err)
	}
}
