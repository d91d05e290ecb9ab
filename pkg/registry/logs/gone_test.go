package logs_test

import (
	"context"
	"io"
	"sync"
	"testing"

	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// goneOnOpen is a source whose pod, listed live, is archived and deleted
// just before its log is opened, once: what a read meets when it lists
// the pods of a job whose replicas are being stopped.
type goneOnOpen struct {
	*logstest.Source
	once   sync.Once
	beGone func()
}

func (s *goneOnOpen) Stream(ctx context.Context, namespace, name string, o workload.PodLogOptions) (io.ReadCloser, error) {
	s.once.Do(s.beGone)
	return s.Source.Stream(ctx, namespace, name, o)
}

// A pod archived and deleted between the list of a read and the open of
// its log is read from the archive: the read lists the archive again.
func TestReadPodArchivedAfterTheList(t *testing.T) {
	e := &env{source: logstest.New(), store: &logstest.Archive{}, objects: &objects{obj: trainingJob(1)}}
	src := &goneOnOpen{Source: e.source}
	e.rest = logs.NewREST(logs.Config{Resource: ml.Resource("things"), Objects: e.objects, Kind: jobKind{}, Source: src, Archive: e.store})
	e.addReplica("0", "uid-0")
	e.source.Write(ns, "train-0", "main", "epoch 1\n")
	e.source.End(ns, "train-0", "main")
	// The archive reads the pod's log through a REST of its own, over the
	// source itself.
	archiver := &env{source: e.source, store: e.store, objects: e.objects,
		rest: logs.NewREST(logs.Config{Resource: ml.Resource("things"), Objects: e.objects, Kind: jobKind{}, Source: e.source, Archive: e.store})}
	src.beGone = func() {
		archiver.archive(t, "train", "train-0")
		e.source.DeletePod(ns, "train-0")
	}
	ctx := genericapirequest.WithNamespace(t.Context(), ns)
	got, err := io.ReadAll(openLog(t, ctx, e.rest, "train", &ml.LogOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[replica-0] epoch 1\n"; string(got) != want {
		t.Errorf("log %q, want the archived %q", got, want)
	}
}
