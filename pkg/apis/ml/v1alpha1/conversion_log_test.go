package v1alpha1

import (
	"net/url"
	"strings"
	"testing"
)

func TestLogOptionsFromQuery(t *testing.T) {
	var o LogOptions
	q := url.Values{"tailLines": {"20"}, "follow": {"true"}, "replica": {"1"}}
	if err := Convert_url_Values_To_v1alpha1_LogOptions(&q, &o, nil); err != nil {
		t.Fatal(err)
	}
	if o.TailLines == nil || *o.TailLines != 20 || !o.Follow || o.Replica != "1" {
		t.Errorf("decoded %+v", o)
	}
	for _, p := range []string{"tailLines", "sinceSeconds", "limitBytes", "attempt"} {
		q := url.Values{p: {"ten"}}
		err := Convert_url_Values_To_v1alpha1_LogOptions(&q, &LogOptions{}, nil)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `"ten"`) {
			t.Errorf("%s=ten: error %v, want one naming the parameter and the value", p, err)
		}
	}
}
