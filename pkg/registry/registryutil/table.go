package registryutil

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// TableConvertor prints objects of type T, and lists of them, as the rows of
// a metav1.Table, the way kubectl get shows them.
type TableConvertor[T runtime.Object] struct {
	// Columns are the column definitions; columns with Priority 1 are shown
	// only with -o wide.
	Columns []metav1.TableColumnDefinition
	// Cells returns the cells of obj's row, one per column, at time now.
	Cells func(obj T, now time.Time) []any
	// Now returns the current time; nil means time.Now. Tests fix it.
	Now func() time.Time
}

var _ rest.TableConvertor = TableConvertor[runtime.Object]{}

// ConvertToTable converts a T or a list of T into a table.
func (c TableConvertor[T]) ConvertToTable(ctx context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = c.Columns
	}

	addRow := func(item runtime.Object) error {
		o, ok := item.(T)
		if !ok {
			var want T
			return fmt.Errorf("cannot print a %T as a table of %T", item, want)
		}
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  c.Cells(o, now),
			Object: runtime.RawExtension{Object: item},
		})
		return nil
	}

	if meta.IsListType(obj) {
		if m, err := meta.ListAccessor(obj); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
			table.Continue = m.GetContinue()
			table.RemainingItemCount = m.GetRemainingItemCount()
		}
		table.Rows = make([]metav1.TableRow, 0, meta.LenList(obj))
		if err := meta.EachListItem(obj, addRow); err != nil {
			return nil, err
		}
		return table, nil
	}
	if m, err := meta.CommonAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	if err := addRow(obj); err != nil {
		return nil, err
	}
	return table, nil
}

var objectMetaDocs = metav1.ObjectMeta{}.SwaggerDoc()

// NameColumn is the NAME column every kind starts with.
func NameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDocs["name"]}
}

// AgeColumn is the AGE column: the time since creation.
func AgeColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: objectMetaDocs["creationTimestamp"]}
}

// PhaseColumn is the PHASE column: status.phase.
func PhaseColumn() metav1.TableColumnDefinition {
	return Column("Phase", "string", "A one-word summary of the object's state.")
}

// Column is a column shown by default.
func Column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// WideColumn is a column shown only with -o wide.
func WideColumn(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description, Priority: 1}
}

// Age formats the time since t like kubectl's AGE column, "<unknown>" for
// a zero time.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// Since formats the time since t like Age, and an unset t as "".
func Since(t *metav1.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// Duration formats how long something that started at start has run: until
// end, or until now while end is unset, like kubectl's DURATION column of
// Jobs. It is "" when start is unset.
func Duration(start, end *metav1.Time, now time.Time) string {
	if start == nil || start.IsZero() {
		return ""
	}
	if end != nil && !end.IsZero() {
		now = end.Time
	}
	return duration.HumanDuration(now.Sub(start.Time))
}

// Ratio formats "ready/total" like kubectl's READY column.
func Ratio(ready, total int32) string {
	return fmt.Sprintf("%d/%d", ready, total)
}
