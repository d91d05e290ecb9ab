package bench

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mltyped "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
)

// encodingPath is one way of encoding TrainingJobs: on the wire (the
// client's media type) and in etcd (the server's --storage-media-type).
type encodingPath struct {
	name      string
	mediaType string
	ml        mltyped.MlV1alpha1Interface
	encoder   runtime.Encoder
}

// Indexes of the encoding paths, in the order of the table.
const (
	jsonStoredJSON   = iota // JSON on the wire and in etcd: servers before protobuf
	jsonStoredProto         // JSON on the wire, protobuf in etcd: kubectl and JSON clients now
	protoStoredProto        // protobuf on the wire and in etcd: the generated clientset now
	numEncodings
)

// BenchmarkProtobuf measures TrainingJob create, get and typed list with
// JSON and with protobuf, at 1,000 and 10,000 objects (200 and 1,000 with
// -short): JSON on the wire and in etcd (servers before protobuf), JSON on
// the wire with protobuf in etcd, and protobuf on both. Two in-process
// servers (one per storage media type) run the workload of
// BenchmarkTrainingJobs; every measurement is split into rounds, and in
// each round every path does its share in an order that rotates, so that
// the machine's changing load and the growing heap of the process fall on
// all paths alike. The table gives each path's figures and the ratios of
// protobuf to JSON. CPU/op is the CPU time of the whole process (clients,
// servers and etcd) per operation.
func BenchmarkProtobuf(b *testing.B) {
	ctx := context.Background()
	sizes, getsPerSize := []int{small, large}, gets
	if testing.Short() {
		sizes, getsPerSize = []int{200, 1000}, 1000
	}
	jsonServer := startServer(b, func(o *options.Options) {
		o.RecommendedOptions.Etcd.DefaultStorageMediaType = runtime.ContentTypeJSON
	})
	protoServer := startServer(b)
	var paths [numEncodings]*encodingPath
	for i, def := range []struct {
		name, mediaType string
		s               *server
	}{
		{"JSON, stored as JSON", runtime.ContentTypeJSON, jsonServer},
		{"JSON, stored as protobuf", runtime.ContentTypeJSON, protoServer},
		{"protobuf, stored as protobuf", runtime.ContentTypeProtobuf, protoServer},
	} {
		paths[i] = newEncodingPath(b, def.name, def.mediaType, def.s.config)
	}
	if _, err := runEncodings(ctx, paths, "warm-up", []int{warmUpN}, warmUpN); err != nil {
		b.Fatalf("warm-up: %v", err)
	}

	var all [][]encodingRow
	loadBefore := loadAverage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := runEncodings(ctx, paths, fmt.Sprintf("bench-%d", i), sizes, getsPerSize)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, rows)
	}
	b.StopTimer()
	rows := averageEncoding(all)
	for _, r := range rows {
		b.ReportMetric(r.speedUp(protoStoredProto, jsonStoredJSON), r.key+"-speedup-protobuf/json")
		b.ReportMetric(r.cpu[protoStoredProto]/r.cpu[jsonStoredJSON], r.key+"-cpu-protobuf/json")
	}
	printEncodingTable(paths, rows, loadBefore, loadAverage())
}

func newEncodingPath(b *testing.B, name, mediaType string, base *rest.Config) *encodingPath {
	cfg := rest.CopyConfig(base)
	cfg.ContentType, cfg.AcceptContentTypes = mediaType, mediaType
	cs, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		b.Fatalf("no serializer for %s", mediaType)
	}
	return &encodingPath{name: name, mediaType: mediaType, ml: cs.MlV1alpha1(),
		encoder: scheme.Codecs.EncoderForVersion(info.Serializer, mlv1alpha1.SchemeGroupVersion)}
}

func (p *encodingPath) key() string {
	switch p.name {
	case "JSON, stored as JSON":
		return "json-json"
	case "JSON, stored as protobuf":
		return "json-proto"
	default:
		return "proto-proto"
	}
}

// encodingRow is one operation on every path: value is ops/s (higher is
// better) for creates and gets, the median ms for lists; cpu is ms per
// operation.
type encodingRow struct {
	key, name, unit string
	higherBetter    bool
	value, cpu      [numEncodings]float64
}

// runEncodings fills a namespace per path (prefix and the path's key) to
// each of sizes in turn and measures creates, gets and typed lists at each
// size, in rounds (creates in 4, gets in 5, one list per round) with the
// paths' order rotating from round to round. The request bodies are
// encoded before the clock starts; creates and gets do not decode the
// response, typed lists do (what a program sees).
func runEncodings(ctx context.Context, paths [numEncodings]*encodingPath, prefix string, sizes []int, gets int) ([]encodingRow, error) {
	const createRounds, getRounds = 4, 5
	var ns [numEncodings]string
	for i, p := range paths {
		ns[i] = prefix + "-" + p.key()
	}
	turn := 0
	// rounds runs round(r, i) for every round r and path i, rotating.
	rounds := func(n int, round func(r, i int) (cost, error)) ([numEncodings]cost, error) {
		var total [numEncodings]cost
		for r := range n {
			for k := range numEncodings {
				i := (turn + k) % numEncodings
				c, err := round(r, i)
				if err != nil {
					return total, fmt.Errorf("%s: %w", paths[i].name, err)
				}
				total[i].wall += c.wall
				total[i].cpu += c.cpu
				total[i].ops += c.ops
			}
			turn++
		}
		return total, nil
	}

	var rows []encodingRow
	from := 0
	for _, n := range sizes {
		label := sizeLabel(n)
		var bodies [numEncodings][][]byte
		for i, p := range paths {
			bodies[i] = make([][]byte, n-from)
			for j := range bodies[i] {
				body, err := runtime.Encode(p.encoder, trainingJob(jobName(from+j)))
				if err != nil {
					return nil, err
				}
				bodies[i][j] = body
			}
		}
		create, err := rounds(createRounds, func(r, i int) (cost, error) {
			p := paths[i]
			lo, hi := share(n-from, r, createRounds)
			return runParallel(hi-lo, func(j int) error {
				_, err := p.ml.RESTClient().Post().Namespace(ns[i]).Resource("trainingjobs").
					SetHeader("Content-Type", p.mediaType).Body(bodies[i][lo+j]).DoRaw(ctx)
				if err != nil {
					return fmt.Errorf("create %s/%s: %w", ns[i], jobName(from+lo+j), err)
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, encodingThroughput("create"+label, fmt.Sprintf("create, %d clients (%s→%s objects)", clients, sizeLabel(from), label), create))

		get, err := rounds(getRounds, func(r, i int) (cost, error) {
			p := paths[i]
			lo, hi := share(gets, r, getRounds)
			return runParallel(hi-lo, func(j int) error {
				name := jobName(spread(lo+j, n))
				body, err := p.ml.RESTClient().Get().Namespace(ns[i]).Resource("trainingjobs").Name(name).DoRaw(ctx)
				if err == nil && len(body) == 0 {
					err = fmt.Errorf("get %s/%s: empty response", ns[i], name)
				}
				return err
			})
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, encodingThroughput("get"+label, fmt.Sprintf("get, %d clients (%s objects)", clients, label), get))

		runs := listRuns
		if from > 0 {
			runs = max(listRuns/3, 3)
		}
		var latencies [numEncodings][]time.Duration
		list, err := rounds(runs, func(_, i int) (cost, error) {
			lat, c, err := median(1, func() error {
				list, err := paths[i].ml.TrainingJobs(ns[i]).List(ctx, metav1.ListOptions{})
				if err == nil && len(list.Items) != n {
					err = fmt.Errorf("list %s: %d TrainingJobs, want %d", ns[i], len(list.Items), n)
				}
				return err
			})
			latencies[i] = append(latencies[i], lat)
			return c, err
		})
		if err != nil {
			return nil, err
		}
		r := encodingRow{key: "list" + label, name: fmt.Sprintf("list %s objects, typed (median of %d)", label, runs), unit: "ms"}
		for i := range numEncodings {
			sort.Slice(latencies[i], func(x, y int) bool { return latencies[i][x] < latencies[i][y] })
			r.value[i], r.cpu[i] = ms(latencies[i][len(latencies[i])/2]), list[i].cpuPerOp()
		}
		rows = append(rows, r)
		from = n
	}
	return rows, nil
}

// speedUp is how many times faster path x is than path y.
func (r encodingRow) speedUp(x, y int) float64 {
	if r.higherBetter {
		return r.value[x] / r.value[y]
	}
	return r.value[y] / r.value[x]
}

func encodingThroughput(key, name string, c [numEncodings]cost) encodingRow {
	r := encodingRow{key: key, name: name, unit: "ops/s", higherBetter: true}
	for i := range numEncodings {
		r.value[i], r.cpu[i] = c[i].opsPerSecond(), c[i].cpuPerOp()
	}
	return r
}

// averageEncoding averages the rows of several iterations, which have the
// same shape.
func averageEncoding(all [][]encodingRow) []encodingRow {
	if len(all) == 0 {
		return nil
	}
	out := append([]encodingRow(nil), all[0]...)
	for i := range out {
		out[i].value, out[i].cpu = [numEncodings]float64{}, [numEncodings]float64{}
		for _, it := range all {
			for p := range numEncodings {
				out[i].value[p] += it[i].value[p] / float64(len(all))
				out[i].cpu[p] += it[i].cpu[p] / float64(len(all))
			}
		}
	}
	return out
}

func printEncodingTable(paths [numEncodings]*encodingPath, rows []encodingRow, loadBefore, loadAfter string) {
	fmt.Printf("\nTrainingJob through ml-apiserver by encoding (HTTPS, %d clients, in-process standalone servers, fsync on)\n", clients)
	fmt.Printf("load average before: %s, after: %s\n", loadBefore, loadAfter)
	fmt.Printf("paths: (1) %s, (2) %s, (3) %s\n", paths[0].name, paths[1].name, paths[2].name)
	fmt.Printf("speed-up: how many times faster (3) is than (1) and than (2); CPU/op of the whole process in ms\n\n")
	fmt.Println("| operation | unit | (1) | (2) | (3) | speed-up (3)/(1) | speed-up (3)/(2) | CPU/op (1) | CPU/op (2) | CPU/op (3) | CPU (3)/(1) |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		speed := r.speedUp
		fmt.Printf("| %s | %s | %.1f | %.1f | %.1f | **%.2f×** | %.2f× | %.3f | %.3f | %.3f | %.2f |\n",
			r.name, r.unit, r.value[0], r.value[1], r.value[2], speed(2, 0), speed(2, 1),
			r.cpu[0], r.cpu[1], r.cpu[2], r.cpu[2]/r.cpu[0])
	}
	fmt.Println()
}
