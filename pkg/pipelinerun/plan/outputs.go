package plan

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// MaxTerminationMessageBytes is the size limit of a container's
// termination message that Kubernetes documents (kubelet truncates longer
// ones): the most output text one task can write.
const MaxTerminationMessageBytes = 4096

// ParseOutputs reads the outputs a task wrote to its termination message:
// one key=value line per output. Blank lines are ignored, and so are keys
// the task does not declare (declared lists the output names). The value
// is everything after the first "=", without a trailing "\r". A line
// without "=", a key that is not a DNS label, a key written twice or a
// message over MaxTerminationMessageBytes is an error saying which line is
// wrong; outputs are returned in the order of declared.
func ParseOutputs(message string, declared []ml.TaskOutput) ([]ml.Param, error) {
	if len(message) > MaxTerminationMessageBytes {
		return nil, fmt.Errorf("termination message is %d bytes, more than the limit of %d", len(message), MaxTerminationMessageBytes)
	}
	values := map[string]string{}
	for n, line := range strings.Split(message, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok:
			return nil, fmt.Errorf("termination message line %d: %q is not key=value", n+1, clip(line, 64))
		case key == "":
			return nil, fmt.Errorf("termination message line %d: empty key", n+1)
		case len(validation.IsDNS1123Label(key)) > 0:
			return nil, fmt.Errorf("termination message line %d: key %q is not a valid output name (a DNS label)", n+1, clip(key, 64))
		}
		if _, dup := values[key]; dup {
			return nil, fmt.Errorf("termination message line %d: output %q written twice", n+1, key)
		}
		values[key] = value
	}
	var outputs []ml.Param
	for _, o := range declared {
		if v, ok := values[o.Name]; ok {
			outputs = append(outputs, ml.Param{Name: o.Name, Value: v})
		}
	}
	return outputs, nil
}

// clip shortens s to at most n bytes for a message, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// outputsSize is the bytes outputs take in the status.
func outputsSize(outputs []ml.Param) int {
	n := 0
	for _, o := range outputs {
		n += len(o.Name) + len(o.Value)
	}
	return n
}
