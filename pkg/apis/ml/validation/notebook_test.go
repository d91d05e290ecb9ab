package validation_test

import (
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// notebook starts a valid Notebook "nb" in "ns".
func notebook() *mltesting.NotebookWrapper {
	return mltesting.MakeNotebook("nb", "ns")
}

func TestValidateNotebook(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.Notebook
		want []string
	}{
		{name: "valid", obj: notebook().Obj()},
		{name: "without a workspace", obj: notebook().NoWorkspace().Obj()},
		{name: "name not a DNS-1035 label", obj: mltesting.MakeNotebook("my_notebook", "ns").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "image or command required", obj: notebook().Image("").Obj(), want: []string{"spec.image: Required value"}},
		{name: "command only", obj: notebook().Image("").Command("jupyter", "lab").Obj()},
		{name: "replicas 0", obj: notebook().Replicas(0).Obj()},
		{name: "replicas 2", obj: notebook().Replicas(2).Obj(), want: []string{"spec.replicas: Invalid value"}},
		{name: "replicas negative", obj: notebook().Replicas(-1).Obj(), want: []string{"spec.replicas: Invalid value"}},
		{name: "stopped", obj: notebook().Stopped(true).Obj()},
		{name: "port unset means default", obj: notebook().Port(0).Obj()},
		{name: "port too high", obj: notebook().Port(70000).Obj(), want: []string{"spec.port: Invalid value"}},
		{name: "workspace", obj: notebook().Workspace("20Gi", "fast-ssd", "/home/user").Obj()},
		{name: "workspace with defaults", obj: notebook().Workspace("1Gi", "", "").Obj()},
		{name: "workspace size 0", obj: notebook().Workspace("0", "", "").Obj(), want: []string{"spec.workspace.size: Invalid value"}},
		{name: "workspace size negative", obj: notebook().Workspace("-1Gi", "", "").Obj(), want: []string{"spec.workspace.size: Invalid value"}},
		{name: "workspace mountPath relative", obj: notebook().Workspace("1Gi", "", "work").Obj(), want: []string{"spec.workspace.mountPath: Invalid value"}},
		{name: "workspace storageClassName invalid", obj: notebook().Workspace("1Gi", "Fast_SSD", "").Obj(), want: []string{"spec.workspace.storageClassName: Invalid value"}},
		{
			name: "volume mounted over the workspace",
			obj:  notebook().Workspace("1Gi", "", "").PVCVolume("data", "ds").VolumeMount("data", "/home/jovyan").Obj(),
			want: []string{"spec.volumeMounts[0].mountPath: Invalid value"},
		},
		{
			name: "volume mounted over the default workspace mountPath",
			obj:  notebook().PVCVolume("data", "ds").VolumeMount("data", "/home/jovyan/").Obj(),
			want: []string{"spec.volumeMounts[0].mountPath: Invalid value"},
		},
		{name: "volume mounted beside the workspace", obj: notebook().Workspace("1Gi", "", "").PVCVolume("data", "ds").VolumeMount("data", "/home/jovyan/data").Obj()},
		{name: "idleTimeout", obj: notebook().IdleTimeout(time.Hour).Obj()},
		{name: "idleTimeout 0", obj: notebook().IdleTimeout(0).Obj(), want: []string{"spec.idleTimeout: Invalid value"}},
		{name: "idleTimeout as written", obj: func() *ml.Notebook { nb := notebook().Obj(); nb.Spec.IdleTimeout = "1h"; return nb }()},
		{name: "idleTimeout not a duration", obj: func() *ml.Notebook { nb := notebook().Obj(); nb.Spec.IdleTimeout = "soon"; return nb }(), want: []string{"spec.idleTimeout: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateNotebook(tc.obj))
		})
	}
}

func TestValidateNotebookReplicasMessage(t *testing.T) {
	checkMessages(t, []string{"spec.replicas: Invalid value: 2: must be 0 or 1"}, validation.ValidateNotebook(notebook().Replicas(2).Obj()))
}

func TestValidateNotebookUpdate(t *testing.T) {
	base := func() *mltesting.NotebookWrapper { return notebook().ResourceVersion("1") }
	old := base().Workspace("10Gi", "standard", "/home/jovyan").Obj()
	cases := []struct {
		name string
		obj  *ml.Notebook
		old  *ml.Notebook
		want []string
	}{
		{name: "unchanged", obj: base().Workspace("10Gi", "standard", "/home/jovyan").Obj(), old: old},
		{
			name: "everything but the workspace volume may change",
			obj:  base().Workspace("10Gi", "standard", "/work").Image("jupyter:v2").Replicas(0).Stopped(true).Port(9999).IdleTimeout(time.Hour).Obj(),
			old:  old,
		},
		{name: "size written differently", obj: base().Workspace("10240Mi", "standard", "/home/jovyan").Obj(), old: old},
		{name: "workspace size", obj: base().Workspace("20Gi", "standard", "/home/jovyan").Obj(), old: old, want: []string{"spec.workspace.size: Invalid value"}},
		{name: "workspace storageClassName", obj: base().Workspace("10Gi", "fast", "/home/jovyan").Obj(), old: old, want: []string{"spec.workspace.storageClassName: Invalid value"}},
		{name: "workspace removed", obj: base().NoWorkspace().Obj(), old: old, want: []string{"spec.workspace: Forbidden"}},
		{name: "workspace added", obj: base().Obj(), old: base().NoWorkspace().Obj(), want: []string{"spec.workspace: Forbidden"}},
		{name: "new spec is validated", obj: base().Workspace("10Gi", "standard", "/home/jovyan").Replicas(3).Obj(), old: old, want: []string{"spec.replicas: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateNotebookUpdate(tc.obj, tc.old))
		})
	}
}
