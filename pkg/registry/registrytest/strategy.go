package registrytest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// Strategy is what StrategyContract needs of a main-resource strategy.
type Strategy interface {
	rest.RESTCreateUpdateStrategy
	rest.ResetFieldsStrategy
}

// StrategyContract is the behaviour every kind's strategies share: users
// own the spec, controllers own the status, and metadata.generation counts
// spec changes. Each kind runs it with objects of its own.
type StrategyContract[T registryutil.Object] struct {
	// Strategy is the kind's main-resource strategy.
	Strategy Strategy
	// StatusStrategy is the kind's status-subresource strategy.
	StatusStrategy rest.UpdateResetFieldsStrategy
	// New returns a valid object without status.
	New func() T
	// ChangeSpec makes a change to obj's spec that an update may make.
	ChangeSpec func(obj T)
	// SetStatus fills obj's status with valid values.
	SetStatus func(obj T)
	// Invalidate makes obj's spec invalid.
	Invalidate func(obj T)
	// InvalidateStatus makes obj's status invalid.
	InvalidateStatus func(obj T)
}

// Run runs the contract's tests.
func (c StrategyContract[T]) Run(t *testing.T) {
	t.Run("namespaced", func(t *testing.T) {
		if !c.Strategy.NamespaceScoped() || !c.StatusStrategy.NamespaceScoped() {
			t.Error("strategies must be namespace scoped")
		}
		if c.Strategy.AllowCreateOnUpdate(NewContext(Namespace)) || c.StatusStrategy.AllowCreateOnUpdate(NewContext(Namespace)) {
			t.Error("PUT must not create objects")
		}
	})
	t.Run("PrepareForCreate", c.testPrepareForCreate)
	t.Run("PrepareForUpdate", c.testPrepareForUpdate)
	t.Run("status PrepareForUpdate", c.testStatusPrepareForUpdate)
	t.Run("validation", c.testValidation)
	t.Run("GetResetFields", c.testResetFields)
}

// with returns a new object changed by each of changes, with generation gen.
func (c StrategyContract[T]) with(gen int64, changes ...func(T)) T {
	obj := c.New()
	obj.SetGeneration(gen)
	for _, change := range changes {
		change(obj)
	}
	return obj
}

func (c StrategyContract[T]) testPrepareForCreate(t *testing.T) {
	ctx := NewContext(Namespace)
	tests := map[string]struct {
		in, want T
	}{
		"status is cleared and generation starts at 1": {in: c.with(7, c.SetStatus), want: c.with(1)},
		"an object without status gets generation 1":   {in: c.with(0), want: c.with(1)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c.Strategy.PrepareForCreate(ctx, tc.in)
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("PrepareForCreate (-want +got):\n%s", diff)
			}
		})
	}
}

func setLabel[T registryutil.Object](obj T) {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["team"] = "vision"
	obj.SetLabels(labels)
}

func (c StrategyContract[T]) testPrepareForUpdate(t *testing.T) {
	ctx := NewContext(Namespace)
	tests := map[string]struct {
		old, in, want T
	}{
		"unchanged spec keeps generation and status": {
			old:  c.with(1, c.SetStatus),
			in:   c.with(1),
			want: c.with(1, c.SetStatus),
		},
		"status written through the main resource is dropped": {
			old:  c.with(3),
			in:   c.with(3, c.SetStatus),
			want: c.with(3),
		},
		"spec change bumps generation": {
			old:  c.with(1, c.SetStatus),
			in:   c.with(1, c.ChangeSpec),
			want: c.with(2, c.ChangeSpec, c.SetStatus),
		},
		"label change keeps generation": {
			old:  c.with(4, c.SetStatus),
			in:   c.with(4, setLabel[T]),
			want: c.with(4, setLabel[T], c.SetStatus),
		},
		"a client cannot set generation": {
			old:  c.with(2),
			in:   c.with(9, c.ChangeSpec),
			want: c.with(3, c.ChangeSpec),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c.Strategy.PrepareForUpdate(ctx, tc.in, tc.old)
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("PrepareForUpdate (-want +got):\n%s", diff)
			}
		})
	}
}

func (c StrategyContract[T]) testStatusPrepareForUpdate(t *testing.T) {
	ctx := NewContext(Namespace)
	tests := map[string]struct {
		old, in, want T
	}{
		"status is written": {
			old:  c.with(1),
			in:   c.with(1, c.SetStatus),
			want: c.with(1, c.SetStatus),
		},
		"spec is restored and generation kept": {
			old:  c.with(2),
			in:   c.with(2, c.ChangeSpec, c.SetStatus),
			want: c.with(2, c.SetStatus),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c.StatusStrategy.PrepareForUpdate(ctx, tc.in, tc.old)
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("status PrepareForUpdate (-want +got):\n%s", diff)
			}
		})
	}
}

func (c StrategyContract[T]) testValidation(t *testing.T) {
	ctx := NewContext(Namespace)
	// Updates compare with the stored object, which has a resourceVersion.
	stored := func(gen int64) T {
		obj := c.with(gen)
		obj.SetResourceVersion("1")
		return obj
	}
	updated := func(gen int64, changes ...func(T)) T {
		obj := c.with(gen, changes...)
		obj.SetResourceVersion("1")
		return obj
	}
	tests := map[string]struct {
		validate func() field.ErrorList
		wantErrs bool
	}{
		"valid create": {
			validate: func() field.ErrorList { return c.Strategy.Validate(ctx, c.with(1)) },
		},
		"invalid create": {
			validate: func() field.ErrorList { return c.Strategy.Validate(ctx, c.with(1, c.Invalidate)) },
			wantErrs: true,
		},
		"valid update": {
			validate: func() field.ErrorList {
				return c.Strategy.ValidateUpdate(ctx, updated(2, c.ChangeSpec), stored(1))
			},
		},
		"invalid update": {
			validate: func() field.ErrorList {
				return c.Strategy.ValidateUpdate(ctx, updated(2, c.Invalidate), stored(1))
			},
			wantErrs: true,
		},
		"valid status update": {
			validate: func() field.ErrorList {
				return c.StatusStrategy.ValidateUpdate(ctx, updated(1, c.SetStatus), stored(1))
			},
		},
		"invalid status update": {
			validate: func() field.ErrorList {
				return c.StatusStrategy.ValidateUpdate(ctx, updated(1, c.SetStatus, c.InvalidateStatus), stored(1))
			},
			wantErrs: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if errs := tc.validate(); (len(errs) > 0) != tc.wantErrs {
				t.Errorf("got errors %v, want errors: %v", errs, tc.wantErrs)
			}
		})
	}
}

func (c StrategyContract[T]) testResetFields(t *testing.T) {
	version := fieldpath.APIVersion(mlv1alpha1.SchemeGroupVersion.String())
	tests := map[string]struct {
		strategy rest.ResetFieldsStrategy
		want     string
	}{
		"main resource resets status": {strategy: c.Strategy, want: ".status"},
		"status resets spec":          {strategy: c.StatusStrategy, want: ".spec"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[fieldpath.APIVersion]string{}
			for v, set := range tc.strategy.GetResetFields() {
				got[v] = set.String()
			}
			want := map[fieldpath.APIVersion]string{version: tc.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GetResetFields (-want +got):\n%s", diff)
			}
		})
	}
}
