package logs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// The follow tests again, with a source that has a shared pod watch: the
// follows read pods from it and look when it tells of a change (their
// idle rescan is an hour, so a follow that waited for time to pass would
// not see what the tests wait for).
func TestFollowWithASharedPodWatch(t *testing.T) {
	sharedWatch = true
	t.Cleanup(func() { sharedWatch = false })
	for name, test := range map[string]func(*testing.T){
		"StreamsAReplacedPod":                     TestFollowStreamsAReplacedPod,
		"StreamsANewReplica":                      TestFollowStreamsANewReplica,
		"ReadsPodsGoneBetweenLooksFromTheArchive": TestFollowReadsPodsGoneBetweenLooksFromTheArchive,
		"StreamsLaterTasksAndRetries":             TestFollowStreamsLaterTasksAndRetries,
		"OneAttemptIgnoresRetries":                TestFollowOneAttemptIgnoresRetries,
		"WithoutAnEndEndsWithThePods":             TestFollowWithoutAnEndEndsWithThePods,
		"EndsWhenTheObjectIsDeleted":              TestFollowEndsWhenTheObjectIsDeleted,
		"OutlivesThePodsOfARunningJob":            TestFollowOutlivesThePodsOfARunningJob,
		"StreamsARestartedContainer":              TestFollowStreamsARestartedContainer,
		"JobWithoutPhaseWaitsForItsFirstPod":      TestFollowJobWithoutPhaseWaitsForItsFirstPod,
	} {
		t.Run(name, test)
	}
}

// jobs is the storage of many TrainingJobs, by name.
type jobs struct {
	mu   sync.Mutex
	jobs map[string]*ml.TrainingJob
	rv   int
}

func (j *jobs) Get(_ context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job := j.jobs[name]
	if job == nil {
		return nil, apierrors.NewNotFound(ml.Resource("trainingjobs"), name)
	}
	return job.DeepCopy(), nil
}

func (j *jobs) add(job *ml.TrainingJob) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs[job.Name] = job
}

func (j *jobs) setPhase(name string, phase ml.TrainingJobPhase) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rv++
	j.jobs[name].Status.Phase = phase
	j.jobs[name].ResourceVersion = fmt.Sprint(j.rv)
}

// indexedJobKind is jobKind for jobs of any name: pods labelled
// job=<name>, index=<replica>.
type indexedJobKind struct{ jobKind }

func (indexedJobKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	if pod.ControllerUID != obj.(*ml.TrainingJob).UID {
		return "", false
	}
	return "replica-" + pod.Labels["index"], true
}

// Many follows at once share the source's pod watch: each reads the
// source's pods once, when it opens; after that they read the shared
// watch, whatever the time they stay open and the looks they make, and
// they still see every new pod (a scale up of each job), stream it, and
// end when their job does. Every subscription ends with its follow.
func TestManyFollowsShareOnePodWatch(t *testing.T) {
	const n = 40
	source := logstest.New()
	watching := logstest.NewWatching(source)
	store := &jobs{jobs: map[string]*ml.TrainingJob{}}
	r := logs.NewREST(logs.Config{
		Resource: ml.Resource("trainingjobs"),
		Objects:  store,
		Kind:     indexedJobKind{},
		Source:   watching,
		Archive:  &logstest.Archive{},
	})
	// Looks every 5 ms; a follow that listed pods at every look would read
	// the source thousands of times while this test runs.
	logs.SetPollsForTest(r, 5*time.Millisecond, 5*time.Millisecond)
	logs.SetIdleForTest(r, time.Hour)
	addPod := func(job, index string) {
		source.AddPod(ns, workload.Pod{
			Name: job + "-" + index, UID: types.UID(job + "-uid-" + index), ControllerUID: types.UID(job + "-uid"),
			Labels: map[string]string{"job": job, "index": index}, Containers: []string{"main"},
		})
	}
	e := &env{rest: r}
	followers := make([]*followed, n)
	for i := range n {
		name := fmt.Sprintf("job-%d", i)
		replicas := int32(2)
		store.add(&ml.TrainingJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(name + "-uid"), ResourceVersion: "1"},
			Spec:       ml.TrainingJobSpec{Replicas: &replicas},
			Status:     ml.TrainingJobStatus{Phase: ml.TrainingJobRunning},
		})
		addPod(name, "0")
		source.Write(ns, name+"-0", "main", "hello from 0\n")
		followers[i] = e.follow(t, name, &ml.LogOptions{})
	}
	lists, gets := source.Reads()
	if open, total := watching.Subscriptions(); open != n || total != n {
		t.Fatalf("%d subscriptions open, %d made; want %d", open, total, n)
	}
	for i, f := range followers {
		if diff := cmp.Diff([]string{"[replica-0] hello from 0\n"}, f.next(t, 1)); diff != "" {
			t.Fatalf("job-%d (-want +got):\n%s", i, diff)
		}
	}
	// Each job scales up: the follows find the new pods through the watch.
	for i := range n {
		name := fmt.Sprintf("job-%d", i)
		addPod(name, "1")
		source.Write(ns, name+"-1", "main", "hello from 1\n")
	}
	for i, f := range followers {
		if diff := cmp.Diff([]string{"[replica-1] hello from 1\n"}, f.next(t, 1)); diff != "" {
			t.Fatalf("job-%d (-want +got):\n%s", i, diff)
		}
	}
	// The follows stay open a while, looking every 5 ms.
	time.Sleep(200 * time.Millisecond)
	if l, g := source.Reads(); l != lists || g > gets+4*n {
		// Opening a pod's log reads it once (is it still the pod that
		// was listed?), as ending it does once the watch has no such pod.
		t.Errorf("the follows listed pods %d times and read a pod %d times after opening; want no lists and at most %d reads", l-lists, g-gets, 4*n)
	}
	for i := range n {
		name := fmt.Sprintf("job-%d", i)
		source.End(ns, name+"-0", "main")
		source.End(ns, name+"-1", "main")
		store.setPhase(name, ml.TrainingJobSucceeded)
	}
	for i, f := range followers {
		if rest := f.rest(t); len(rest) != 0 {
			t.Errorf("job-%d after the end: %q", i, rest)
		}
	}
	// The subscriptions ended with the follows.
	deadline := time.Now().Add(readTimeout)
	for {
		open, _ := watching.Subscriptions()
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions still open after every follow ended", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
