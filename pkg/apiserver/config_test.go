package apiserver

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/util/cert"
)

// TestFrontProxyCACheck shows the window the requestheader-ca readyz check
// closes: the CA controller kube-system/extension-apiserver-authentication
// feeds is primed before serving by RunOnce, which reads its informer's
// still empty cache, so the CA is loaded only once the informer has synced.
func TestFrontProxyCACheck(t *testing.T) {
	if frontProxyCACheck(nil) != nil {
		t.Error("a check without a front proxy to trust")
	}

	caCert, _, err := cert.GenerateSelfSignedCertKey("front-proxy-ca", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "extension-apiserver-authentication"},
		Data:       map[string]string{"requestheader-client-ca-file": string(caCert)},
	})
	ca, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", "kube-system", "extension-apiserver-authentication", "requestheader-client-ca-file", client)
	if err != nil {
		t.Fatal(err)
	}
	check := frontProxyCACheck(&authenticatorfactory.RequestHeaderConfig{CAContentProvider: ca})
	if check.Name() != "requestheader-ca" {
		t.Errorf("check name %q", check.Name())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := ca.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	err = check.Check(nil)
	if err == nil || !strings.Contains(err.Error(), "not loaded yet") {
		t.Fatalf("after RunOnce, before the informer synced: got %v, want not ready", err)
	}

	go ca.Run(ctx, 1)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return check.Check(nil) == nil, nil
	}); err != nil {
		t.Fatalf("the CA was loaded but the check still fails: %v", check.Check(nil))
	}
}
