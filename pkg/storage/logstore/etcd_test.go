package logstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	clientv3 "go.etcd.io/etcd/client/v3"

	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
)

func newStore(t *testing.T, maxBytes int64) *Etcd {
	t.Helper()
	client, _ := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	return NewEtcd(EtcdConfig{Client: client.V3Client.Client, MaxBytes: maxBytes})
}

func lines(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "line %06d of the training log\n", i)
	}
	return b.String()
}

func read(t *testing.T, s LogStore, st Stream) string {
	t.Helper()
	r, err := s.Open(context.Background(), st)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestEtcdRoundTripAndCap(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, 1<<20)
	small := Stream{Namespace: "ns", OwnerUID: "uid-1", Pod: "job-0", Container: "trainer"}
	big := Stream{Namespace: "ns", OwnerUID: "uid-1", Pod: "job-1", Container: "trainer"}

	log := lines(0, 100)
	m, err := s.Put(ctx, Meta{Stream: small, Label: "replica-0"}, strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if m.Bytes != int64(len(log)) || m.StoredBytes != int64(len(log)) {
		t.Errorf("sizes %d/%d, want %d", m.Bytes, m.StoredBytes, len(log))
	}
	if diff := cmp.Diff(log, read(t, s, small)); diff != "" {
		t.Errorf("small log (-want +got):\n%s", diff)
	}

	// 3 MiB of lines through a 1 MiB cap: the tail is kept, from a whole line.
	full := lines(0, 100000)
	m, err = s.Put(ctx, Meta{Stream: big, Label: "replica-1"}, strings.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	got := read(t, s, big)
	if int64(len(got)) > 1<<20 || len(got) < 1<<20-100 {
		t.Errorf("kept %d bytes, want just under %d", len(got), 1<<20)
	}
	if !strings.HasSuffix(full, got) || !strings.HasPrefix(got, "line ") {
		t.Errorf("kept bytes are not the tail starting at a line: %q...", got[:40])
	}
	if m.Bytes != int64(len(full)) || m.Chunks < 2 {
		t.Errorf("meta bytes %d chunks %d", m.Bytes, m.Chunks)
	}

	// Replacing keeps only the new generation.
	if _, err := s.Put(ctx, Meta{Stream: big, Label: "replica-1"}, strings.NewReader("new\n")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, big); got != "new\n" {
		t.Errorf("replaced log %q", got)
	}
	resp, err := s.client.Get(ctx, s.streamKey(big)+"/data/", clientWithPrefix()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		t.Errorf("%d chunks stored after replacing, want 1", len(resp.Kvs))
	}

	list, err := s.List(ctx, "ns", "uid-1")
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, m := range list {
		labels = append(labels, m.Label)
	}
	if diff := cmp.Diff([]string{"replica-0", "replica-1"}, labels); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	owners, err := s.Owners(ctx)
	if err != nil || len(owners) != 1 || owners[0].UID != "uid-1" {
		t.Errorf("owners %v, %v", owners, err)
	}

	if err := s.DeleteOwner(ctx, "ns", "uid-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, small); !errors.Is(err, ErrNotFound) {
		t.Errorf("open after delete: %v, want ErrNotFound", err)
	}
	resp, err = s.client.Get(ctx, s.prefix, clientWithPrefix()...)
	if err != nil || len(resp.Kvs) != 0 {
		t.Errorf("%d keys left after DeleteOwner (%v)", len(resp.Kvs), err)
	}
}

func TestReadTail(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int64
		want     string
	}{
		{"fits", "a\nb\n", 10, "a\nb\n"},
		{"cut at a line", "aaaa\nbb\ncc\n", 6, "cc\n"},
		{"one long line", "abcdefgh", 4, "efgh"},
		{"empty", "", 4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := readTail(bytes.NewBufferString(tc.in), tc.max)
			if err != nil || total != int64(len(tc.in)) {
				t.Fatalf("total %d err %v", total, err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func clientWithPrefix() []clientv3.OpOption { return []clientv3.OpOption{clientv3.WithPrefix()} }
