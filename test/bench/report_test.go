package bench

import (
	"fmt"
	"os"
	"testing"
	"text/tabwriter"
)

// createTarget is the goal for server creates at 16 concurrent
// clients, as a fraction of raw etcd puts. Reported, never asserted.
const createTarget = 0.25

// row is one measured operation, through the server and on raw etcd.
type row struct {
	key, name, unit string
	// higherBetter is true for throughputs, false for latencies.
	higherBetter bool
	server, raw  float64
	// serverCPU and rawCPU are the process CPU time per operation in ms.
	serverCPU, rawCPU float64
}

// ratio is server/raw: for throughputs the fraction of etcd's speed the
// server reaches, for latencies how many times longer the server takes.
func (r row) ratio() float64 {
	if r.raw == 0 {
		return 0
	}
	return r.server / r.raw
}

// average averages the rows of several iterations, which have the same shape.
func average(iterations [][]row) []row {
	if len(iterations) == 0 {
		return nil
	}
	out := append([]row(nil), iterations[0]...)
	n := float64(len(iterations))
	for i := range out {
		out[i].server, out[i].raw, out[i].serverCPU, out[i].rawCPU = 0, 0, 0, 0
		for _, it := range iterations {
			out[i].server += it[i].server / n
			out[i].raw += it[i].raw / n
			out[i].serverCPU += it[i].serverCPU / n
			out[i].rawCPU += it[i].rawCPU / n
		}
	}
	return out
}

// report hands the rows to the benchmark framework as metrics.
func report(b *testing.B, rows []row) {
	for _, r := range rows {
		b.ReportMetric(r.server, r.key+"-server-"+r.unit)
		b.ReportMetric(r.raw, r.key+"-etcd-"+r.unit)
		b.ReportMetric(r.ratio(), r.key+"-server/etcd")
		b.ReportMetric(r.serverCPU, r.key+"-server-cpu-ms/op")
		b.ReportMetric(r.rawCPU, r.key+"-etcd-cpu-ms/op")
	}
}

// printTable prints the rows for people, with the create target.
func printTable(rows []row, objectBytes int, loadBefore, loadAfter string) {
	fmt.Printf("\nTrainingJob through ml-apiserver (HTTPS, JSON, %d clients) vs raw etcd on the same embedded etcd (fsync on)\n", clients)
	fmt.Printf("stored object: %d bytes; load average before: %s, after: %s\n", objectBytes, loadBefore, loadAfter)
	fmt.Printf("CPU/op: CPU time of the whole process (clients, server, etcd) per operation\n\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tunit\tserver\traw etcd\tserver/raw\tserver CPU/op ms\traw CPU/op ms\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%.3f\t%.3f\t%.3f\t\n", r.name, r.unit, r.server, r.raw, r.ratio(), r.serverCPU, r.rawCPU)
	}
	_ = tw.Flush()
	for _, r := range rows {
		if r.higherBetter && r.key == "create"+sizeLabel(small) {
			verdict := "met"
			if r.ratio() < createTarget {
				verdict = "NOT met"
			}
			fmt.Printf("\ntarget: server create throughput at %d clients >= %.2fx raw etcd put: %.3fx (%s)\n", clients, createTarget, r.ratio(), verdict)
		}
	}
	fmt.Println()
}
