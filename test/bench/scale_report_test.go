package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"k8s.io/client-go/rest"
)

// requestCounts sums apiserver_request_total by verb, resource and
// subresource (over response codes and the other labels).
type requestCounts map[string]float64

func requestKey(verb, resource, subresource string) string {
	return verb + " " + resource + "/" + subresource
}

// delta is how many requests of a kind were counted since before,
// whatever their response.
func (c requestCounts) delta(before requestCounts, verb, resource, subresource string) float64 {
	k := requestKey(verb, resource, subresource)
	return c[k] - before[k]
}

// deltaOK is how many requests of a kind succeeded (2xx) since before.
func (c requestCounts) deltaOK(before requestCounts, verb, resource, subresource string) float64 {
	k := requestKey(verb, resource, subresource) + " ok"
	return c[k] - before[k]
}

// scrapes are the request counters of kube-apiserver and of ml-apiserver.
type scrapes struct{ kube, ml requestCounts }

func (s *scaleRun) scrape(ctx context.Context) (scrapes, error) {
	kube, err := scrapeRequests(ctx, s.kubeMetrics)
	if err != nil {
		return scrapes{}, fmt.Errorf("kube-apiserver /metrics: %w", err)
	}
	ml, err := scrapeRequests(ctx, s.mlMetrics)
	if err != nil {
		return scrapes{}, fmt.Errorf("ml-apiserver /metrics: %w", err)
	}
	return scrapes{kube: kube, ml: ml}, nil
}

var sampleRE = regexp.MustCompile(`^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$`)
var labelRE = regexp.MustCompile(`([a-z_]+)="([^"]*)"`)

// scrapeRequests reads apiserver_request_total from the /metrics of the
// server of cfg.
func scrapeRequests(ctx context.Context, cfg *rest.Config) (requestCounts, error) {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return parseRequestCounts(string(body)), nil
}

func parseRequestCounts(exposition string) requestCounts {
	counts := requestCounts{}
	for _, line := range strings.Split(exposition, "\n") {
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[1], -1) {
			labels[l[1]] = l[2]
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		counts[requestKey(labels["verb"], labels["resource"], labels["subresource"])] += v
		if strings.HasPrefix(labels["code"], "2") {
			counts[requestKey(labels["verb"], labels["resource"], labels["subresource"])+" ok"] += v
		}
	}
	return counts
}

// reportScale prints the comparison and reports it as metrics.
func reportScale(b *testing.B, jobs, nodes int, batch, tj scaleResult, loadBefore, loadAfter string) {
	timeRatio := ratio(tj.running.Seconds(), batch.running.Seconds())
	perPod := func(r scaleResult) float64 { return ratio(r.totalWrites(), float64(r.pods)) }
	perJob := func(r scaleResult) float64 { return ratio(r.totalWrites(), float64(jobs)) }
	b.ReportMetric(tj.running.Seconds(), "trainingjob-running-s")
	b.ReportMetric(batch.running.Seconds(), "batchjob-running-s")
	b.ReportMetric(timeRatio, "trainingjob/batchjob-time")
	b.ReportMetric(perPod(tj), "trainingjob-writes/pod")
	b.ReportMetric(perPod(batch), "batchjob-writes/pod")
	b.ReportMetric(tj.cpu.Seconds(), "controller-cpu-s")
	b.ReportMetric(float64(tj.peakRSS)/(1<<20), "controller-peak-rss-MiB")

	fmt.Printf("\n%d jobs of %d replicas created at once (%d concurrent clients) on %d kwok nodes; load average before: %s, after: %s\n",
		jobs, scaleReplicas, scaleCreators, nodes, loadBefore, loadAfter)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tbatch/v1 Job (kcm)\tTrainingJob\tratio\t")
	fmt.Fprintf(tw, "time until all jobs report their pods running\t%s\t%s\t%.2f\t\n", round(batch.running), round(tj.running), timeRatio)
	fmt.Fprintf(tw, "time until all pods running\t%s\t%s\t%.2f\t\n", round(batch.podsRunning), round(tj.podsRunning),
		ratio(tj.podsRunning.Seconds(), batch.podsRunning.Seconds()))
	fmt.Fprintf(tw, "controller CPU seconds (kcm: whole process)\t%.1f\t%.1f\t%.2f\t\n", batch.cpu.Seconds(), tj.cpu.Seconds(), ratio(tj.cpu.Seconds(), batch.cpu.Seconds()))
	fmt.Fprintf(tw, "controller peak RSS MiB\t-\t%.0f\t\t\n", float64(tj.peakRSS)/(1<<20))
	fmt.Fprintf(tw, "pods created\t%d\t%d\t\t\n", batch.pods, tj.pods)
	keys := map[string]bool{}
	for k := range batch.writes {
		keys[k] = true
	}
	for k := range tj.writes {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		bv, bok := batch.writes[k]
		tv, tok := tj.writes[k]
		fmt.Fprintf(tw, "  %s\t%s\t%s\t\t\n", k, count(bv, bok), count(tv, tok))
	}
	fmt.Fprintf(tw, "  of which refused (409 conflict or exists, ...)\t%.0f\t%.0f\t\t\n", batch.refused, tj.refused)
	fmt.Fprintf(tw, "controller writes per job\t%.2f\t%.2f\t%.2f\t\n", perJob(batch), perJob(tj), ratio(perJob(tj), perJob(batch)))
	fmt.Fprintf(tw, "controller writes per pod\t%.2f\t%.2f\t%.2f\t\n", perPod(batch), perPod(tj), ratio(perPod(tj), perPod(batch)))
	fmt.Fprintf(tw, "events created per job\t%.2f\t%.2f\t\t\n", batch.events/float64(jobs), tj.events/float64(jobs))
	_ = tw.Flush()
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Printf("\ntarget: TrainingJob time <= %.1fx batch/v1: %.2fx (%s)\n", scaleTimeTarget, timeRatio, verdict(timeRatio <= scaleTimeTarget))
	fmt.Printf("target: <= %.0f API writes per pod created: %.2f (%s)\n\n", scaleWritesTarget, perPod(tj), verdict(perPod(tj) <= scaleWritesTarget))
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func round(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }

func count(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// reportScaleReads prints the API servers' CPU and memory and the reads
// at scaleSmallJobs and at jobs objects, and reports them as metrics.
func reportScaleReads(b *testing.B, jobs int, servers serverMemory, batch, tj scaleResult, tjReads, batchReads readResult, load string) {
	small := smallJobs(jobs)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	listRatio := ratio(ms(tjReads.listLarge.p99), ms(tjReads.listSmall.p99))
	b.ReportMetric(mib(servers.ml), "ml-apiserver-peak-rss-MiB")
	b.ReportMetric(tj.mlAPICPU.Seconds(), "ml-apiserver-cpu-s")
	b.ReportMetric(ms(tjReads.listLarge.p99), "trainingjob-list-p99-ms")
	b.ReportMetric(listRatio, "trainingjob-list-p99-large/small")

	fmt.Printf("API servers in the phases (CPU seconds) and after them (peak RSS)\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tbatch/v1 Job phase\tTrainingJob phase\t")
	fmt.Fprintf(tw, "kube-apiserver CPU seconds\t%.1f\t%.1f\t\n", batch.kubeAPICPU.Seconds(), tj.kubeAPICPU.Seconds())
	fmt.Fprintf(tw, "ml-apiserver CPU seconds\t-\t%.1f\t\n", tj.mlAPICPU.Seconds())
	fmt.Fprintf(tw, "ml-apiserver peak RSS MiB\t\t%.0f\t\n", mib(servers.ml))
	fmt.Fprintf(tw, "kube-apiserver peak RSS MiB\t\t%.0f\t\n", mib(servers.kube))
	_ = tw.Flush()

	fmt.Printf("\nreads through kube-apiserver, one at a time, %d samples each (list: pages of limit=%d); load average after: %s\n",
		scaleReadSamples, scaleListLimit, load)
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ms\tbatch/v1 Job\tTrainingJob\tratio\t\n")
	row := func(name string, bv, tv time.Duration) {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", name, ms(bv), ms(tv), ratio(ms(tv), ms(bv)))
	}
	for _, r := range []struct {
		name         string
		batch, train latencies
	}{
		{fmt.Sprintf("get at %d", small), batchReads.getSmall, tjReads.getSmall},
		{fmt.Sprintf("get at %d", jobs), batchReads.getLarge, tjReads.getLarge},
		{fmt.Sprintf("list page at %d", small), batchReads.listSmall, tjReads.listSmall},
		{fmt.Sprintf("list page at %d", jobs), batchReads.listLarge, tjReads.listLarge},
	} {
		row(r.name+", p50", r.batch.p50, r.train.p50)
		row(r.name+", p99", r.batch.p99, r.train.p99)
	}
	fmt.Fprintf(tw, "list p99 at %d / at %d\t%.2f\t%.2f\t\t\n", jobs, small,
		ratio(ms(batchReads.listLarge.p99), ms(batchReads.listSmall.p99)), listRatio)
	fmt.Fprintf(tw, "new informer over all: objects\t%d\t%d\t\t\n", batchReads.informerItems, tjReads.informerItems)
	fmt.Fprintf(tw, "new informer over all: time to sync\t%s\t%s\t%.2f\t\n", batchReads.informerSync.Round(time.Millisecond), tjReads.informerSync.Round(time.Millisecond),
		ratio(tjReads.informerSync.Seconds(), batchReads.informerSync.Seconds()))
	fmt.Fprintf(tw, "new informer over all: heap kept, MiB\t%.1f\t%.1f\t%.2f\t\n", mib(batchReads.informerHeap), mib(tjReads.informerHeap),
		ratio(float64(tjReads.informerHeap), float64(batchReads.informerHeap)))
	_ = tw.Flush()

	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Printf("\ntarget: list p99 at %d <= %.1fx at %d: %.2fx (%s)\n", jobs, scaleListTarget, small, listRatio, verdict(listRatio <= scaleListTarget))
	fmt.Printf("target: ml-apiserver peak RSS <= %.1f GiB: %.0f MiB (%s)\n", scaleServerRSSTarget/(1<<30), mib(servers.ml), verdict(float64(servers.ml) <= scaleServerRSSTarget))
	fmt.Printf("target: controller peak RSS <= %d GiB: %.0f MiB (%s)\n\n", scaleControlRSSTarget>>30, mib(tj.peakRSS), verdict(tj.peakRSS <= scaleControlRSSTarget))
}
