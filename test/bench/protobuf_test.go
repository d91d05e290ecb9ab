package bench

import (
	"context"
	"fmt"
	"testing"

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
// servers (one per storage media type) run the same workload as
// BenchmarkTrainingJobs, one path after the other, and the table gives
// each path's figures and the ratios of protobuf to JSON. CPU/op is the
// CPU time of the whole process (clients, servers and etcd) per operation.
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
	for _, p := range paths {
		if _, err := p.run(ctx, "warm-up-"+p.key(), []int{warmUpN}, warmUpN); err != nil {
			b.Fatalf("warm-up %s: %v", p.name, err)
		}
	}

	var all [][numEncodings][]encodingRow
	loadBefore := loadAverage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var it [numEncodings][]encodingRow
		for j, p := range paths {
			rows, err := p.run(ctx, fmt.Sprintf("bench-%d-%s", i, p.key()), sizes, getsPerSize)
			if err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			it[j] = rows
		}
		all = append(all, it)
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

// encodingRow is one operation of one path: value is ops/s (higher is
// better) for creates and gets, the median ms for lists; cpu is ms per
// operation.
type encodingRow struct {
	key, name, unit string
	higherBetter    bool
	value, cpu      [numEncodings]float64
}

// run fills namespace ns to each of sizes in turn and measures creates,
// gets and typed lists at each size. The request bodies are encoded before
// the clock starts; creates and gets do not decode the response, typed
// lists do (what a program sees).
func (p *encodingPath) run(ctx context.Context, ns string, sizes []int, gets int) ([]encodingRow, error) {
	var rows []encodingRow
	from := 0
	for _, n := range sizes {
		label := sizeLabel(n)
		bodies := make([][]byte, n-from)
		for i := range bodies {
			body, err := runtime.Encode(p.encoder, trainingJob(jobName(from+i)))
			if err != nil {
				return nil, err
			}
			bodies[i] = body
		}
		create, err := runParallel(n-from, func(i int) error {
			_, err := p.ml.RESTClient().Post().Namespace(ns).Resource("trainingjobs").SetHeader("Content-Type", p.mediaType).Body(bodies[i]).DoRaw(ctx)
			if err != nil {
				return fmt.Errorf("create %s/%s: %w", ns, jobName(from+i), err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, encodingThroughput("create"+label, fmt.Sprintf("create, %d clients (%s→%s objects)", clients, sizeLabel(from), label), create))

		get, err := runParallel(gets, func(i int) error {
			body, err := p.ml.RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name(jobName(spread(i, n))).DoRaw(ctx)
			if err == nil && len(body) == 0 {
				err = fmt.Errorf("get %s/%s: empty response", ns, jobName(spread(i, n)))
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, encodingThroughput("get"+label, fmt.Sprintf("get, %d clients (%s objects)", clients, label), get))

		runs := listRuns
		if from > 0 {
			runs = max(listRuns/3, 3)
		}
		typed, typedCost, err := median(runs, func() error {
			list, err := p.ml.TrainingJobs(ns).List(ctx, metav1.ListOptions{})
			if err == nil && len(list.Items) != n {
				err = fmt.Errorf("list %s: %d TrainingJobs, want %d", ns, len(list.Items), n)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		r := encodingRow{key: "list" + label, name: fmt.Sprintf("list %s objects, typed (median)", label), unit: "ms"}
		r.value[0], r.cpu[0] = ms(typed), typedCost.cpuPerOp()
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

func encodingThroughput(key, name string, c cost) encodingRow {
	r := encodingRow{key: key, name: name, unit: "ops/s", higherBetter: true}
	r.value[0], r.cpu[0] = c.opsPerSecond(), c.cpuPerOp()
	return r
}

// averageEncoding merges the paths' rows (each run fills index 0) into one
// row per operation, averaged over the iterations.
func averageEncoding(all [][numEncodings][]encodingRow) []encodingRow {
	if len(all) == 0 {
		return nil
	}
	out := append([]encodingRow(nil), all[0][0]...)
	for i := range out {
		out[i].value, out[i].cpu = [numEncodings]float64{}, [numEncodings]float64{}
		for _, it := range all {
			for p := range numEncodings {
				out[i].value[p] += it[p][i].value[0] / float64(len(all))
				out[i].cpu[p] += it[p][i].cpu[0] / float64(len(all))
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
