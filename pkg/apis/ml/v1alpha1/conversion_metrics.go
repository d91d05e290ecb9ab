package v1alpha1

import (
	"fmt"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/conversion"
)

// Convert_url_Values_To_v1alpha1_MetricsOptions decodes the query of GET
// .../metrics, naming the parameter whose value is not an integer.
func Convert_url_Values_To_v1alpha1_MetricsOptions(in *url.Values, out *MetricsOptions, s conversion.Scope) error {
	for _, p := range []string{"sinceStep", "maxPoints"} {
		for _, v := range (*in)[p] {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Errorf("%s: %q is not an integer", p, v)
			}
		}
	}
	return autoConvert_url_Values_To_v1alpha1_MetricsOptions(in, out, s)
}
