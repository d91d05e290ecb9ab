package bench

import (
	"fmt"
	"strings"
	"testing"
)

// aggRow is one measured operation on the paths.
type aggRow struct {
	key, name, unit string
	// higherBetter is true for throughputs, false for latencies.
	higherBetter bool
	// signed rows may be negative and have no ratios.
	signed bool
	m      [numPaths]measure
}

// speed is how many times as fast path x is as path y on this row: x/y for
// throughputs, y/x for latencies, so that above 1 always means x is faster.
func (r aggRow) speed(x, y int) float64 {
	vx, vy := r.m[x].value, r.m[y].value
	if r.signed || vx <= 0 || vy <= 0 {
		return 0
	}
	if r.higherBetter {
		return vx / vy
	}
	return vy / vx
}

// ratios are the columns of the ratio table.
var ratios = []struct {
	label, key string
	x, y       int
}{
	{"(b)/(c)", "b/c", aggregated, crd},
	{"(a)/(c)", "a/c", direct, crd},
	{"(b)/(a)", "b/a", aggregated, direct},
	{"(e)/(c)", "e/c", aggregatedProto, crd},
	{"(e)/(b)", "e/b", aggregatedProto, aggregated},
	{"(d)/(a)", "d/a", directProto, direct},
}

// aggTarget is a target of the issues: path x at least min times as fast
// as path y on the operations whose key starts with prefix.
type aggTarget struct {
	label  string
	x, y   int
	prefix string
	min    float64
}

// aggTargets are the targets: (b) against (c) in JSON, and (e) against (c)
// with protobuf.
var aggTargets = []aggTarget{
	{"(b)/(c)", aggregated, crd, "create", 0.8},
	{"(b)/(c)", aggregated, crd, "get", 0.8},
	{"(b)/(c)", aggregated, crd, "list", 1.0},
	{"(e)/(c)", aggregatedProto, crd, "create", 1.0},
	{"(e)/(c)", aggregatedProto, crd, "get", 0.9},
	{"(e)/(c)", aggregatedProto, crd, "list", 2.0},
}

// averageAgg averages the rows of several iterations, which have the same
// shape.
func averageAgg(iterations [][]aggRow) []aggRow {
	if len(iterations) == 0 {
		return nil
	}
	out := append([]aggRow(nil), iterations[0]...)
	n := float64(len(iterations))
	for i := range out {
		for p := range numPaths {
			var m measure
			for _, it := range iterations {
				src := it[i].m[p]
				m.value += src.value / n
				m.authz += src.authz / n
				m.authn += src.authn / n
				m.bytes += src.bytes / len(iterations)
				m.early += src.early / len(iterations)
				for k := range cpuNames {
					m.cpu[k] += src.cpu[k] / n
				}
			}
			out[i].m[p] = m
		}
	}
	return out
}

// reportAgg hands the rows to the benchmark framework as metrics: each
// path's value, its server-side CPU per operation, and the speed ratios.
func reportAgg(b *testing.B, rows []aggRow) {
	for _, r := range rows {
		for p := range numPaths {
			key := r.key + "-" + string(rune('a'+p))
			b.ReportMetric(r.m[p].value, key+"-"+r.unit)
			b.ReportMetric(serverCPU(r.m[p]), key+"-server-cpu-ms/op")
		}
		for _, q := range ratios {
			if v := r.speed(q.x, q.y); v > 0 {
				b.ReportMetric(v, r.key+"-"+q.key)
			}
		}
	}
}

// serverCPU is the CPU per operation of kube-apiserver, ml-apiserver and
// etcd together.
func serverCPU(m measure) float64 {
	var sum float64
	for k, name := range cpuNames {
		if name != "client" {
			sum += m.cpu[k]
		}
	}
	return sum
}

func (c *benchCluster) pathNames() []string {
	names := make([]string, numPaths)
	for i, p := range c.paths {
		names[i] = p.name
	}
	return names
}

// printAggTable prints the rows for people, as Markdown tables: values and
// ratios, CPU per operation, and the targets.
func printAggTable(c *benchCluster, rows []aggRow, loadBefore, loadAfter string) {
	names := c.pathNames()
	fmt.Printf("\nTrainingJob on one local cluster (hack/local-up.sh), HTTPS, same objects on every path:\n")
	fmt.Printf("  (a) direct: ml-apiserver, ServiceAccount token (delegated TokenReview/SubjectAccessReview, cached 10s), JSON\n")
	fmt.Printf("  (b) aggregated: kube-apiserver -> APIService -> ml-apiserver, admin client certificate, JSON\n")
	fmt.Printf("  (c) CRD: %s with the TrainingJob schema, kube-apiserver, admin client certificate, JSON\n", crdName)
	fmt.Printf("  (d) and (e): (a) and (b) in protobuf; watch delivery is measured in JSON on every path\n")
	fmt.Printf("load average before: %s, after: %s\n\n", loadBefore, loadAfter)

	fmt.Printf("| operation | unit |")
	for _, n := range names {
		fmt.Printf(" %s |", n)
	}
	for _, q := range ratios {
		fmt.Printf(" %s |", q.label)
	}
	fmt.Printf("\n| --- | --- |%s\n", strings.Repeat(" ---: |", int(numPaths)+len(ratios)))
	for _, r := range rows {
		fmt.Printf("| %s | %s |", r.name, r.unit)
		for p := range numPaths {
			fmt.Printf(" %.1f |", r.m[p].value)
		}
		for _, q := range ratios {
			if v := r.speed(q.x, q.y); v > 0 {
				fmt.Printf(" %.2f |", v)
			} else {
				fmt.Printf(" – |")
			}
		}
		fmt.Println()
	}
	fmt.Printf("\nRatios are speed: throughput x/y, latency y/x; above 1 means the first path is faster.\n")
	for _, r := range rows {
		early := 0
		for p := range numPaths {
			early += r.m[p].early
		}
		if r.signed && early > 0 {
			fmt.Printf("Watch events that arrived before the write's response was read:")
			for p := range numPaths {
				fmt.Printf(" %s %d;", names[p], r.m[p].early)
			}
			fmt.Printf(" of %d each (negative \"write returned → event\").\n", c.w.watchEvents)
			break
		}
	}

	fmt.Printf("\nCPU per operation (ms) by process; delegated reviews per operation sent by ml-apiserver (cache misses):\n\n")
	fmt.Printf("| operation | path |")
	for _, n := range cpuNames {
		fmt.Printf(" %s |", n)
	}
	fmt.Printf(" servers total | SubjectAccessReviews/op | TokenReviews/op |\n| --- | --- |%s\n", strings.Repeat(" ---: |", len(cpuNames)+3))
	for _, r := range rows {
		if strings.HasPrefix(r.key, "watch") && r.key != "watchsent-p50" {
			continue
		}
		for p := range numPaths {
			m := r.m[p]
			fmt.Printf("| %s | %s |", r.name, names[p])
			for k := range cpuNames {
				fmt.Printf(" %.2f |", m.cpu[k])
			}
			fmt.Printf(" %.2f | %s | %s |\n", serverCPU(m), perOp(m.authz), perOp(m.authn))
		}
	}
	for _, r := range rows {
		if strings.HasPrefix(r.key, "list") {
			fmt.Printf("\n%s, response bytes:", r.name)
			for p := range numPaths {
				fmt.Printf(" %s %d;", names[p], r.m[p].bytes)
			}
		}
	}
	fmt.Println()

	fmt.Printf("\nTargets:\n")
	for _, t := range aggTargets {
		for _, r := range rows {
			if !strings.HasPrefix(r.key, t.prefix) {
				continue
			}
			verdict := "met"
			if r.speed(t.x, t.y) < t.min {
				verdict = "NOT met"
			}
			fmt.Printf("  %-45s %s = %.2f, target >= %.1f: %s\n", r.name, t.label, r.speed(t.x, t.y), t.min, verdict)
		}
	}
	fmt.Println()
}

func perOp(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}
