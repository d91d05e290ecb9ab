package logs

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"
)

func TestFilterArchived(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	log := "2026-11-27T09:00:00Z first\n2026-11-27T09:59:30Z second\n2026-11-27T09:59:50.5Z third\n"
	for _, tc := range []struct {
		name       string
		tail       *int64
		since      *int64
		timestamps bool
		want       string
	}{
		{name: "plain", want: "first\nsecond\nthird\n"},
		{name: "timestamps", timestamps: true, want: log},
		{name: "tail 2", tail: ptr.To[int64](2), want: "second\nthird\n"},
		{name: "tail 0", tail: ptr.To[int64](0), want: ""},
		{name: "tail more than there is", tail: ptr.To[int64](9), want: "first\nsecond\nthird\n"},
		{name: "since 60s", since: ptr.To[int64](60), want: "second\nthird\n"},
		{name: "since and tail", since: ptr.To[int64](60), tail: ptr.To[int64](1), timestamps: true, want: "2026-11-27T09:59:50.5Z third\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(filterArchived([]byte(log), tc.tail, tc.since, tc.timestamps, now))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrefixLines(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"lines", "a\nb\n", "[r] a\n[r] b\n"},
		{"no final newline", "a\nb", "[r] a\n[r] b\n"},
		{"empty", "", ""},
		{"long line", strings.Repeat("x", 100<<10) + "\n", "[r] " + strings.Repeat("x", 100<<10) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := prefixLines(strings.NewReader(tc.in), []byte("[r] "), func(b []byte) error { out.Write(b); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, out.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
