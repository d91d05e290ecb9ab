package registryutil

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *metav1.Time {
	t := metav1.NewTime(now.Add(-d))
	return &t
}

func TestFormatting(t *testing.T) {
	tests := map[string]struct {
		got, want string
	}{
		"age":                      {got: Age(*ago(90 * time.Second), now), want: "90s"},
		"age in days":              {got: Age(*ago(50 * time.Hour), now), want: "2d2h"},
		"age without a time":       {got: Age(metav1.Time{}, now), want: "<unknown>"},
		"since":                    {got: Since(ago(12*time.Minute), now), want: "12m"},
		"since nothing":            {got: Since(nil, now), want: ""},
		"duration while running":   {got: Duration(ago(3*time.Minute+20*time.Second), nil, now), want: "3m20s"},
		"duration when finished":   {got: Duration(ago(5*time.Hour), ago(4*time.Hour), now), want: "60m"},
		"duration before starting": {got: Duration(nil, nil, now), want: ""},
		"ratio":                    {got: Ratio(2, 3), want: "2/3"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestTableConvertor(t *testing.T) {
	convertor := TableConvertor[*ml.Notebook]{
		Columns: []metav1.TableColumnDefinition{NameColumn(), AgeColumn(), WideColumn("Image", "string", "")},
		Cells: func(nb *ml.Notebook, now time.Time) []any {
			return []any{nb.Name, Age(nb.CreationTimestamp, now), nb.Spec.Image}
		},
		Now: func() time.Time { return now },
	}
	notebook := func(name, rv string) ml.Notebook {
		return ml.Notebook{
			ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: rv, CreationTimestamp: *ago(time.Hour)},
			Spec:       ml.NotebookSpec{ContainerSpec: ml.ContainerSpec{Image: "jupyter"}},
		}
	}
	one := notebook("a", "7")
	list := &ml.NotebookList{
		ListMeta: metav1.ListMeta{ResourceVersion: "12", Continue: "next", RemainingItemCount: ptr.To[int64](3)},
		Items:    []ml.Notebook{notebook("a", "7"), notebook("b", "9")},
	}

	tests := map[string]struct {
		obj     runtime.Object
		options runtime.Object
		want    *metav1.Table
	}{
		"one object": {
			obj: &one,
			want: &metav1.Table{
				ListMeta:          metav1.ListMeta{ResourceVersion: "7"},
				ColumnDefinitions: convertor.Columns,
				Rows:              []metav1.TableRow{{Cells: []any{"a", "60m", "jupyter"}, Object: runtime.RawExtension{Object: &one}}},
			},
		},
		"list without headers": {
			obj:     list,
			options: &metav1.TableOptions{NoHeaders: true},
			want: &metav1.Table{
				ListMeta: metav1.ListMeta{ResourceVersion: "12", Continue: "next", RemainingItemCount: ptr.To[int64](3)},
				Rows: []metav1.TableRow{
					{Cells: []any{"a", "60m", "jupyter"}, Object: runtime.RawExtension{Object: &list.Items[0]}},
					{Cells: []any{"b", "60m", "jupyter"}, Object: runtime.RawExtension{Object: &list.Items[1]}},
				},
			},
		},
		"empty list": {
			obj: &ml.NotebookList{ListMeta: metav1.ListMeta{ResourceVersion: "3"}},
			want: &metav1.Table{
				ListMeta:          metav1.ListMeta{ResourceVersion: "3"},
				ColumnDefinitions: convertor.Columns,
				Rows:              []metav1.TableRow{},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := convertor.ConvertToTable(context.Background(), tc.obj, tc.options)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}

	if _, err := convertor.ConvertToTable(context.Background(), &ml.Model{}, nil); err == nil {
		t.Error("converting a Model with the Notebook convertor: want an error")
	}
}
