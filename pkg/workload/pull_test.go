package workload

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParsePull(t *testing.T) {
	c := PullContainer("pull", "img", "vol", Pull{URI: "s3://b/k", Path: "/ml/model"}, nil)
	if p, ok := ParsePull(&c); !ok || p != (Pull{URI: "s3://b/k", Path: "/ml/model"}) {
		t.Errorf("ParsePull(PullContainer(...)) = %+v, %v", p, ok)
	}
	for name, c := range map[string]corev1.Container{
		"another command":   {Command: []string{"sh", "-c", "ml-apiserver artifact pull --uri s3://b/k --path /ml/model"}},
		"a relative path":   {Command: []string{"ml-apiserver", "artifact", "pull", "--uri", "s3://b/k", "--path", "model"}},
		"no uri":            {Command: []string{"ml-apiserver", "artifact", "pull", "--path", "/ml/model"}},
		"a push, not pull":  {Command: []string{"ml-apiserver", "artifact", "push", "--uri", "s3://b/k", "--path", "/ml/model"}},
		"no command at all": {Args: []string{"ml-apiserver", "artifact", "pull", "--uri", "s3://b/k", "--path", "/ml/model"}},
	} {
		if p, ok := ParsePull(&c); ok {
			t.Errorf("%s: ParsePull = %+v, want none", name, p)
		}
	}
}
