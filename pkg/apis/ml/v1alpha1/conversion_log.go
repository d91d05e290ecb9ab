package v1alpha1

import (
	"fmt"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/conversion"
)

// Convert_url_Values_To_v1alpha1_LogOptions decodes the query of GET
// .../log, naming the parameter whose value is not an integer.
func Convert_url_Values_To_v1alpha1_LogOptions(in *url.Values, out *LogOptions, s conversion.Scope) error {
	for _, p := range []string{"tailLines", "sinceSeconds", "limitBytes", "attempt"} {
		for _, v := range (*in)[p] {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Errorf("%s: %q is not an integer", p, v)
			}
		}
	}
	return autoConvert_url_Values_To_v1alpha1_LogOptions(in, out, s)
}
