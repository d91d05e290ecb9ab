package artifactstore

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestConfigFromSecret(t *testing.T) {
	secret := func(data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "ml-artifact-store"}, Data: map[string][]byte{}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	full := map[string]string{
		"endpoint": "https://s3.example.com", "bucket": "ml-runs", "prefix": "team-a/runs", "region": "eu-west-1",
		"accessKeyID": "AK", "secretAccessKey": "SK", "insecure": "false", "ca.crt": "PEM",
	}
	got, err := ConfigFromSecret(secret(full))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Type: TypeS3, Endpoint: "https://s3.example.com", Bucket: "ml-runs", Prefix: "team-a/runs", Region: "eu-west-1",
		AccessKeyID: "AK", SecretAccessKey: "SK", CAData: []byte("PEM")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	without := func(keys ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for _, k := range keys {
			delete(m, k)
		}
		return m
	}
	anon, err := ConfigFromSecret(secret(without("accessKeyID", "secretAccessKey", "prefix", "region", "insecure", "ca.crt")))
	if err != nil || anon.AccessKeyID != "" {
		t.Errorf("anonymous config: %+v, %v", anon, err)
	}
	for _, c := range []struct {
		name string
		data map[string]string
		want []string
	}{
		{"no endpoint", without("endpoint"), []string{"team-a/ml-artifact-store", `"endpoint"`}},
		{"no bucket", without("bucket"), []string{`missing key "bucket"`}},
		{"key without secret", without("secretAccessKey"), []string{`missing key "secretAccessKey"`}},
		{"secret without key", without("accessKeyID"), []string{`missing key "accessKeyID"`}},
		{"bad insecure", func() map[string]string { m := without(); m["insecure"] = "maybe"; return m }(), []string{`"insecure"`, "maybe"}},
		{"bad prefix", func() map[string]string { m := without(); m["prefix"] = "../x"; return m }(), []string{"prefix"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ConfigFromSecret(secret(c.data))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
