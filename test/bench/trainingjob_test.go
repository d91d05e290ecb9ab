package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mltyped "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
)

// The workload: the namespace is filled to small, measured, then to large.
const (
	small    = 1000
	large    = 10000
	gets     = 10000 // per size
	listRuns = 15    // at the first size; a third of it at larger sizes
	warmUpN  = 200
)

// BenchmarkTrainingJobs measures TrainingJob create, get and list through
// the server (HTTPS, JSON, the generated clientset's REST client) and raw
// etcd put, get and range of the same stored bytes on the same etcd, at
// 1,000 and at 10,000 objects in the namespace. Like the raw puts, whose
// bytes are ready before the clock starts, creates send request bodies
// encoded beforehand, and creates and gets read the response without
// decoding it (lists are measured both ways), so that the client's own
// encoding is not counted against the server. One iteration runs the whole workload; the
// results are reported as metrics and printed as a ratio table.
func BenchmarkTrainingJobs(b *testing.B) {
	s := startServer(b)
	cs, err := mlclientset.NewForConfig(s.config)
	if err != nil {
		b.Fatal(err)
	}
	w := &workload{ml: cs.MlV1alpha1(), etcd: s.etcd}
	ctx := context.Background()
	if _, err := w.run(ctx, "warm-up", []int{warmUpN}, warmUpN); err != nil {
		b.Fatalf("warm-up: %v", err)
	}

	var all [][]row
	loadBefore := loadAverage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := w.run(ctx, fmt.Sprintf("bench-%d", i), []int{small, large}, gets)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, rows)
	}
	b.StopTimer()
	rows := average(all)
	report(b, rows)
	printTable(rows, w.objectBytes, loadBefore, loadAverage())
}

// workload runs the operations against the server and against etcd.
type workload struct {
	ml   mltyped.MlV1alpha1Interface
	etcd *clientv3.Client
	// objectBytes is the size of one stored TrainingJob.
	objectBytes int
}

// run fills namespace ns to each of sizes objects in turn and measures at
// each size, with gets reads. Raw etcd keys mirror the server's under their
// own prefix.
func (w *workload) run(ctx context.Context, ns string, sizes []int, gets int) ([]row, error) {
	rawPrefix := "/bench-raw/trainingjobs/" + ns + "/"
	var rows []row
	from := 0
	for _, n := range sizes {
		label := sizeLabel(n)
		create, err := w.createServer(ctx, ns, from, n)
		if err != nil {
			return nil, err
		}
		stored, err := w.storedObjects(ctx, ns, n)
		if err != nil {
			return nil, err
		}
		put, err := w.putRaw(ctx, rawPrefix, stored, from, n)
		if err != nil {
			return nil, err
		}
		rows = append(rows, throughputRow("create"+label,
			fmt.Sprintf("create, %d clients (%s→%s objects)", clients, sizeLabel(from), label), create, put))

		get, err := w.getServer(ctx, ns, n, gets)
		if err != nil {
			return nil, err
		}
		rawGet, err := w.getRaw(ctx, rawPrefix, n, gets)
		if err != nil {
			return nil, err
		}
		rows = append(rows, throughputRow("get"+label,
			fmt.Sprintf("get, %d clients (%s objects)", clients, label), get, rawGet))

		runs := listRuns
		if from > 0 {
			runs = max(listRuns/3, 3)
		}
		rawList, rawListCost, err := w.listRaw(ctx, rawPrefix, n, runs)
		if err != nil {
			return nil, err
		}
		typed, typedCost, err := w.listServer(ctx, ns, n, runs)
		if err != nil {
			return nil, err
		}
		bytes, bytesCost, err := w.listServerBytes(ctx, ns, runs)
		if err != nil {
			return nil, err
		}
		rows = append(rows,
			latencyRow("list"+label, fmt.Sprintf("list %s objects, typed", label),
				typed, typedCost, rawList, rawListCost),
			latencyRow("listbytes"+label, fmt.Sprintf("list %s objects, JSON bytes only", label),
				bytes, bytesCost, rawList, rawListCost))
		from = n
	}
	return rows, nil
}

func throughputRow(key, name string, server, raw cost) row {
	return row{
		key: key, name: name, unit: "ops/s", higherBetter: true,
		server: server.opsPerSecond(), raw: raw.opsPerSecond(),
		serverCPU: server.cpuPerOp(), rawCPU: raw.cpuPerOp(),
	}
}

func latencyRow(key, name string, server time.Duration, serverCost cost, raw time.Duration, rawCost cost) row {
	return row{
		key: key, name: name + " (median)", unit: "ms",
		server: ms(server), raw: ms(raw),
		serverCPU: serverCost.cpuPerOp(), rawCPU: rawCost.cpuPerOp(),
	}
}

func sizeLabel(n int) string {
	if n > 0 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// createServer creates TrainingJobs from … n-1 in ns and returns creates/s.
// The JSON bodies are encoded before the clock starts.
func (w *workload) createServer(ctx context.Context, ns string, from, n int) (cost, error) {
	bodies := make([][]byte, n-from)
	for i := range bodies {
		tj := trainingJob(jobName(from + i))
		tj.APIVersion, tj.Kind = mlv1alpha1.SchemeGroupVersion.String(), "TrainingJob"
		body, err := json.Marshal(tj)
		if err != nil {
			return cost{}, err
		}
		bodies[i] = body
	}
	return runParallel(n-from, func(i int) error {
		_, err := w.ml.RESTClient().Post().Namespace(ns).Resource("trainingjobs").Body(bodies[i]).DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("create %s/%s: %w", ns, jobName(from+i), err)
		}
		return nil
	})
}

// storedObjects reads what the server stored in etcd for the first n
// TrainingJobs of ns, by name.
func (w *workload) storedObjects(ctx context.Context, ns string, n int) (map[string][]byte, error) {
	prefix, err := w.serverPrefix(ctx, ns)
	if err != nil {
		return nil, err
	}
	resp, err := w.etcd.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("read stored objects: %w", err)
	}
	stored := make(map[string][]byte, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		stored[strings.TrimPrefix(string(kv.Key), prefix)] = kv.Value
	}
	if len(stored) != n {
		return nil, fmt.Errorf("found %d stored TrainingJobs under %s, want %d", len(stored), prefix, n)
	}
	w.objectBytes = len(stored[jobName(0)])
	return stored, nil
}

// serverPrefix finds the etcd key prefix under which the server keeps the
// TrainingJobs of ns, from the key of the first one.
func (w *workload) serverPrefix(ctx context.Context, ns string) (string, error) {
	resp, err := w.etcd.Get(ctx, options.EtcdPathPrefix+"/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return "", fmt.Errorf("list server keys: %w", err)
	}
	suffix := "/" + ns + "/" + jobName(0)
	for _, kv := range resp.Kvs {
		if k := string(kv.Key); strings.HasSuffix(k, suffix) && strings.Contains(k, "trainingjobs") {
			return strings.TrimSuffix(k, jobName(0)), nil
		}
	}
	return "", fmt.Errorf("no etcd key ending in %s under %s", suffix, options.EtcdPathPrefix)
}

// putRaw puts the stored bytes of objects from … n-1 under rawPrefix and
// returns puts/s.
func (w *workload) putRaw(ctx context.Context, rawPrefix string, stored map[string][]byte, from, n int) (cost, error) {
	return runParallel(n-from, func(i int) error {
		name := jobName(from + i)
		_, err := w.etcd.Put(ctx, rawPrefix+name, string(stored[name]))
		return err
	})
}

// getServer gets TrainingJobs of ns gets times, scattered over the first n.
func (w *workload) getServer(ctx context.Context, ns string, n, gets int) (cost, error) {
	return runParallel(gets, func(i int) error {
		body, err := w.ml.RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name(jobName(spread(i, n))).DoRaw(ctx)
		if err == nil && len(body) == 0 {
			err = fmt.Errorf("get %s/%s: empty response", ns, jobName(spread(i, n)))
		}
		return err
	})
}

// getRaw reads keys under rawPrefix like getServer (linearizable, as the
// server's reads without a resourceVersion).
func (w *workload) getRaw(ctx context.Context, rawPrefix string, n, gets int) (cost, error) {
	return runParallel(gets, func(i int) error {
		resp, err := w.etcd.Get(ctx, rawPrefix+jobName(spread(i, n)))
		if err == nil && len(resp.Kvs) != 1 {
			err = fmt.Errorf("raw get %s: not found", rawPrefix+jobName(spread(i, n)))
		}
		return err
	})
}

// listServer lists ns into typed objects runs times.
func (w *workload) listServer(ctx context.Context, ns string, n, runs int) (time.Duration, cost, error) {
	return median(runs, func() error {
		list, err := w.ml.TrainingJobs(ns).List(ctx, metav1.ListOptions{})
		if err == nil && len(list.Items) != n {
			err = fmt.Errorf("list %s: %d TrainingJobs, want %d", ns, len(list.Items), n)
		}
		return err
	})
}

// listServerBytes lists ns runs times without decoding the response.
func (w *workload) listServerBytes(ctx context.Context, ns string, runs int) (time.Duration, cost, error) {
	return median(runs, func() error {
		body, err := w.ml.RESTClient().Get().Namespace(ns).Resource("trainingjobs").DoRaw(ctx)
		if err == nil && len(body) == 0 {
			err = fmt.Errorf("list %s: empty response", ns)
		}
		return err
	})
}

// listRaw ranges over rawPrefix runs times (linearizable).
func (w *workload) listRaw(ctx context.Context, rawPrefix string, n, runs int) (time.Duration, cost, error) {
	return median(runs, func() error {
		resp, err := w.etcd.Get(ctx, rawPrefix, clientv3.WithPrefix())
		if err == nil && len(resp.Kvs) != n {
			err = fmt.Errorf("raw range %s: %d keys, want %d", rawPrefix, len(resp.Kvs), n)
		}
		return err
	})
}
