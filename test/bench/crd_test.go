package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	generatedopenapi "ml.example.io/ml-apiserver/pkg/generated/openapi"
)

// The CRD twin of TrainingJob: the same schema in a group of its own, served
// by kube-apiserver itself.
const (
	crdGroup    = "mlcrd.example.io"
	crdVersion  = "v1alpha1"
	crdResource = "trainingjobs"
	crdName     = crdResource + "." + crdGroup
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Model names that a CRD schema cannot express by inlining their OpenAPI
// definition, with the structural schema CRDs use for them.
var specialSchemas = map[string]func() map[string]any{
	// Quantity and IntOrString are one-of a string and a number.
	resource.Quantity{}.OpenAPIModelName():    intOrString,
	intstr.IntOrString{}.OpenAPIModelName():   intOrString,
	metav1.Time{}.OpenAPIModelName():          dateTime,
	metav1.MicroTime{}.OpenAPIModelName():     dateTime,
	metav1.Duration{}.OpenAPIModelName():      func() map[string]any { return map[string]any{"type": "string"} },
	runtime.RawExtension{}.OpenAPIModelName(): preserveUnknown,
}

func intOrString() map[string]any {
	return map[string]any{
		"anyOf":                      []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}},
		"x-kubernetes-int-or-string": true,
	}
}

func dateTime() map[string]any { return map[string]any{"type": "string", "format": "date-time"} }

func preserveUnknown() map[string]any {
	return map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
}

// Formats the CRD validation knows; others (like "quantity") are dropped.
var crdFormats = []string{"int32", "int64", "float", "double", "byte", "date", "date-time", "binary", "password"}

// Extensions a CRD schema accepts; patch strategies and the like are not
// part of JSONSchemaProps.
var crdExtensions = []string{
	"x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
	"x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
	"x-kubernetes-embedded-resource", "x-kubernetes-validations",
}

// schemaConverter turns the generated OpenAPI definitions (the v3 ones the
// server publishes) into a structural CRD schema: references are inlined,
// descriptions left out (they only make the CRD bigger), empty-object
// defaults dropped (they are how openapi-gen marks non-pointer structs, and
// a CRD would materialize them), and a reference that recurses becomes an
// object that preserves unknown fields.
type schemaConverter struct {
	defs  map[string]common.OpenAPIDefinition
	stack []string
	// inlined counts inlined definitions; preserved the places where
	// unknown fields are preserved instead of typed.
	inlined, preserved int
}

func newSchemaConverter() *schemaConverter {
	ref := func(name string) spec.Ref { return spec.MustCreateRef("#/components/schemas/" + name) }
	return &schemaConverter{defs: generatedopenapi.GetOpenAPIDefinitions(ref)}
}

// trainingJobSchema is the openAPIV3Schema of the CRD.
func (c *schemaConverter) trainingJobSchema() (map[string]any, error) {
	name := mlv1alpha1.TrainingJob{}.OpenAPIModelName()
	def, ok := c.defs[name]
	if !ok {
		return nil, fmt.Errorf("no OpenAPI definition %s", name)
	}
	root, err := c.convert(def.Schema)
	if err != nil {
		return nil, err
	}
	props, _ := root["properties"].(map[string]any)
	if props == nil {
		return nil, fmt.Errorf("definition %s has no properties", name)
	}
	// A CRD's metadata schema may only say it is an object.
	props["metadata"] = map[string]any{"type": "object"}
	return root, nil
}

func (c *schemaConverter) convert(s spec.Schema) (map[string]any, error) {
	if ref := s.Ref.String(); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		if special, ok := specialSchemas[name]; ok {
			return special(), nil
		}
		if slices.Contains(c.stack, name) {
			c.preserved++
			return preserveUnknown(), nil
		}
		def, ok := c.defs[name]
		if !ok {
			return nil, fmt.Errorf("no OpenAPI definition %s", name)
		}
		c.inlined++
		c.stack = append(c.stack, name)
		out, err := c.convert(def.Schema)
		c.stack = c.stack[:len(c.stack)-1]
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if d := scalarDefault(s.Default); d != nil {
			out["default"] = d
		}
		return out, nil
	}
	if len(s.AllOf) == 1 && len(s.Properties) == 0 && len(s.Type) == 0 {
		// openapi-gen's way of a reference with a description or default.
		inner := s.AllOf[0]
		if inner.Default == nil {
			inner.Default = s.Default
		}
		return c.convert(inner)
	}
	if len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0 {
		c.preserved++
		return preserveUnknown(), nil
	}

	out := map[string]any{}
	switch len(s.Type) {
	case 0:
		if len(s.Properties) == 0 {
			c.preserved++
			return preserveUnknown(), nil
		}
		out["type"] = "object"
	case 1:
		out["type"] = s.Type[0]
	default:
		c.preserved++
		return preserveUnknown(), nil
	}
	if slices.Contains(crdFormats, s.Format) {
		out["format"] = s.Format
	}
	if len(s.Enum) > 0 {
		out["enum"] = s.Enum
	}
	if s.Nullable {
		out["nullable"] = true
	}
	if d := scalarDefault(s.Default); d != nil {
		out["default"] = d
	}
	for _, k := range crdExtensions {
		if v, ok := s.Extensions[k]; ok {
			out[k] = v
		}
	}
	if len(s.Properties) > 0 {
		props := make(map[string]any, len(s.Properties))
		for name, p := range s.Properties {
			v, err := c.convert(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			props[name] = v
		}
		out["properties"] = props
		if len(s.Required) > 0 {
			out["required"] = s.Required
		}
	}
	if s.Items != nil && s.Items.Schema != nil {
		v, err := c.convert(*s.Items.Schema)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		out["items"] = v
	}
	if ap := s.AdditionalProperties; ap != nil && len(s.Properties) == 0 {
		switch {
		case ap.Schema != nil:
			v, err := c.convert(*ap.Schema)
			if err != nil {
				return nil, fmt.Errorf("additionalProperties: %w", err)
			}
			out["additionalProperties"] = v
		case ap.Allows:
			out["x-kubernetes-preserve-unknown-fields"] = true
		}
	}
	if out["type"] == "object" && out["properties"] == nil && out["additionalProperties"] == nil {
		out["x-kubernetes-preserve-unknown-fields"] = true
	}
	if out["type"] == "array" && out["items"] == nil {
		out["items"] = map[string]any{"x-kubernetes-preserve-unknown-fields": true}
	}
	defaultListMapKeys(out)
	return out, nil
}

// defaultListMapKeys gives the keys of a list of type map that are optional
// their zero value as default again: a CRD requires keys to be required or
// defaulted (scalarDefault dropped the zero defaults).
func defaultListMapKeys(list map[string]any) {
	keys, _ := list["x-kubernetes-list-map-keys"].([]any)
	items, _ := list["items"].(map[string]any)
	if len(keys) == 0 || items == nil {
		return
	}
	props, _ := items["properties"].(map[string]any)
	required, _ := items["required"].([]string)
	for _, k := range keys {
		name, _ := k.(string)
		prop, _ := props[name].(map[string]any)
		if prop == nil || slices.Contains(required, name) || prop["default"] != nil {
			continue
		}
		switch prop["type"] {
		case "string":
			prop["default"] = ""
		case "integer", "number":
			prop["default"] = 0
		}
	}
}

// scalarDefault keeps defaults that say something: openapi-gen gives every
// non-pointer field its Go zero value ({}, "", 0, false) as default, which a
// CRD would materialize (and which may not even be valid, like "" for an
// enum).
func scalarDefault(d any) any {
	switch v := d.(type) {
	case nil:
		return nil
	case map[string]any:
		if len(v) == 0 {
			return nil
		}
	case []any:
		if len(v) == 0 {
			return nil
		}
	case string:
		if v == "" {
			return nil
		}
	case bool:
		if !v {
			return nil
		}
	case float64:
		if v == 0 {
			return nil
		}
	case int, int32, int64:
		if fmt.Sprint(v) == "0" {
			return nil
		}
	}
	return d
}

// trainingJobCRD is the CustomResourceDefinition trainingjobs.mlcrd.example.io:
// kind TrainingJob, namespaced, the TrainingJob schema, a status subresource.
func trainingJobCRD() (*unstructured.Unstructured, *schemaConverter, error) {
	c := newSchemaConverter()
	s, err := c.trainingJobSchema()
	if err != nil {
		return nil, nil, err
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": crdName},
		"spec": map[string]any{
			"group": crdGroup,
			"scope": "Namespaced",
			"names": map[string]any{
				"plural":   crdResource,
				"singular": "trainingjob",
				"kind":     "TrainingJob",
				"listKind": "TrainingJobList",
			},
			"versions": []any{map[string]any{
				"name":         crdVersion,
				"served":       true,
				"storage":      true,
				"schema":       map[string]any{"openAPIV3Schema": s},
				"subresources": map[string]any{"status": map[string]any{}},
			}},
		},
	}}, c, nil
}

// createCRD creates the CRD and waits until it is Established.
func createCRD(ctx context.Context, client dynamic.Interface) (*schemaConverter, error) {
	crd, conv, err := trainingJobCRD()
	if err != nil {
		return nil, err
	}
	if _, err := client.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create CRD %s: %w", crdName, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := client.Resource(crdGVR).Get(ctx, crdName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("CRD %s not Established: %w", crdName, err)
	}
	return conv, nil
}
