package bench

import (
	"fmt"
	"strings"
	"testing"
)

// aggRow is one measured operation on the three paths.
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
}

// aggTargets are the targets for (b) against (c), by operation.
var aggTargets = []struct {
	prefix string
	min    float64
}{
	{"create", 0.8},
	{"get", 0.8},
	{"list", 1.0},
}

func targetOf(r aggRow) (float64, bool) {
	for _, t := range aggTargets {
		if strings.HasPrefix(r.key, t.prefix) {
			return t.min, true
		}
	}
	return 0, false
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
	fmt.Printf("\nTrainingJob on one local cluster (hack/local-up.sh), HTTPS + JSON, same request bodies on every path:\n")
	fmt.Printf("  (a) direct: ml-apiserver, ServiceAccount token (delegated TokenReview/SubjectAccessReview, cached 10s)\n")
	fmt.Printf("  (b) aggregated: kube-apiserver -> APIService -> ml-apiserver, admin client certificate\n")
	fmt.Printf("  (c) CRD: %s with the TrainingJob schema, kube-apiserver, admin client certificate\n", crdName)
	fmt.Printf("load average before: %s, after: %s\n\n", loadBefore, loadAfter)

	fmt.Printf("| operation | unit | %s | %s | %s |", names[0], names[1], names[2])
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
		if r.signed && r.m[0].early+r.m[1].early+r.m[2].early > 0 {
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

	fmt.Printf("\nTargets, (b) against (c):\n")
	for _, r := range rows {
		min, ok := targetOf(r)
		if !ok {
			continue
		}
		verdict := "met"
		if r.speed(aggregated, crd) < min {
			verdict = "NOT met"
		}
		fmt.Printf("  %-45s (b)/(c) = %.2f, target >= %.1f: %s\n", r.name, r.speed(aggregated, crd), min, verdict)
	}
	fmt.Println()
}

func perOp(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}
