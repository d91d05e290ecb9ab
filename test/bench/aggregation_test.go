package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// aggWorkload is the size of BenchmarkAggregation's workload, per path: the
// namespace is filled to small objects, measured, filled to large, measured,
// then watch delivery is measured in a namespace of its own. Every
// measurement is split into rounds, and in each round every path does its
// share, so that the machine's changing load (it is shared) falls on the
// paths alike.
type aggWorkload struct {
	small, large int
	// createRounds are the rounds of filling up to small and to large.
	createRounds [2]int
	gets         int // per size
	getRounds    int
	listRuns     [2]int // at small and at large, one per round
	watchEvents  int    // measured; half creates, half updates
	watchRounds  int
	warmUp       int
}

// The full workload, and the one of -short (a smoke test of the benchmark).
var (
	aggFull = aggWorkload{small: 1000, large: 10000, createRounds: [2]int{4, 9}, gets: 5000, getRounds: 5,
		listRuns: [2]int{9, 5}, watchEvents: 200, watchRounds: 4, warmUp: 100}
	aggShort = aggWorkload{small: 100, large: 500, createRounds: [2]int{2, 2}, gets: 500, getRounds: 2,
		listRuns: [2]int{3, 3}, watchEvents: 20, watchRounds: 2, warmUp: 20}
)

// aggWatchWarmUp events are sent and not measured before every watch
// measurement.
const aggWatchWarmUp = 10

// Indexes of the paths, in the order of the tables.
const (
	direct          = iota // (a) straight to ml-apiserver
	aggregated             // (b) through kube-apiserver's aggregator
	crd                    // (c) the CRD twin served by kube-apiserver
	directProto            // (d) as (a), in protobuf
	aggregatedProto        // (e) as (b), in protobuf
	numPaths
)

// apiPath is one way to reach TrainingJobs: a base URL, the group of the
// objects, the media type of bodies and answers, and an HTTP client
// carrying the path's credentials. Every path is driven with the same
// objects over HTTPS (HTTP/2, one connection), encoded before the clock
// starts, and the responses are read to the end but not decoded.
type apiPath struct {
	key, name string
	group     string
	host      string
	client    *http.Client
	// mediaType is JSON, or protobuf for (d) and (e) (a CRD has none).
	mediaType string
}

// json is the path speaking JSON: the watch measurements decode JSON on
// every path.
func (p *apiPath) json() *apiPath {
	out := *p
	out.mediaType = runtime.ContentTypeJSON
	return &out
}

func (p *apiPath) collection(ns string) string {
	return p.host + "/apis/" + p.group + "/v1alpha1/namespaces/" + ns + "/trainingjobs"
}

func (p *apiPath) item(ns, name string) string { return p.collection(ns) + "/" + name }

// body is the benchmark's TrainingJob in the path's group and media type:
// the same JSON bytes, but for the apiVersion, on the JSON paths.
func (p *apiPath) body(name string) []byte {
	tj := trainingJob(name)
	if p.mediaType == runtime.ContentTypeProtobuf {
		b, err := runtime.Encode(protobufEncoder, tj)
		if err != nil {
			panic(err)
		}
		return b
	}
	tj.APIVersion = p.group + "/v1alpha1"
	tj.Kind = "TrainingJob"
	b, err := json.Marshal(tj)
	if err != nil {
		panic(err)
	}
	return b
}

// protobufEncoder encodes ml.example.io/v1alpha1 objects as protobuf.
var protobufEncoder = func() runtime.Encoder {
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		panic("no protobuf serializer")
	}
	return scheme.Codecs.EncoderForVersion(info.Serializer, mlv1alpha1.SchemeGroupVersion)
}()

// do sends one request and reads the whole response; it fails unless the
// status is want. With keep the body is returned.
func (p *apiPath) do(ctx context.Context, method, url, contentType string, body []byte, want int, keep bool) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", p.mediaType)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, msg)
	}
	if keep {
		return io.ReadAll(resp.Body)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return nil, err
}

func (p *apiPath) create(ctx context.Context, ns, name string) error {
	_, err := p.do(ctx, http.MethodPost, p.collection(ns), p.mediaType, p.body(name), http.StatusCreated, false)
	return err
}

func (p *apiPath) get(ctx context.Context, ns, name string) error {
	_, err := p.do(ctx, http.MethodGet, p.item(ns, name), "", nil, http.StatusOK, false)
	return err
}

func (p *apiPath) list(ctx context.Context, ns string) ([]byte, error) {
	return p.do(ctx, http.MethodGet, p.collection(ns), "", nil, http.StatusOK, true)
}

// benchCluster is the cluster with the paths and what the benchmark
// samples around every measurement.
type benchCluster struct {
	*localCluster
	w     aggWorkload
	kube  kubernetes.Interface
	paths [numPaths]*apiPath
	// pids of the processes whose CPU time is sampled, by cpuNames.
	pids [len(cpuNames)]int
}

// cpuNames are the processes whose CPU time is reported per operation;
// "client" is this benchmark process.
var cpuNames = [...]string{"client", "kube-apiserver", "ml-apiserver", "etcd"}

// snapshot is what is sampled before and after a measurement.
type snapshot struct {
	cpu [len(cpuNames)]time.Duration
	// authz and authn are ml-apiserver's delegated SubjectAccessReviews and
	// TokenReviews sent to kube-apiserver so far (cache misses).
	authz, authn float64
}

// measure is one measured operation on one path.
type measure struct {
	// value is ops/s for throughputs, ms for latencies.
	value float64
	// cpu is the CPU time per operation in ms, by cpuNames.
	cpu [len(cpuNames)]float64
	// authz and authn are delegated reviews per operation.
	authz, authn float64
	// bytes is the response size of a list.
	bytes int
	// early is the number of watch events that arrived before the write's
	// response was read.
	early int
}

// BenchmarkAggregation measures TrainingJob create, get, list and watch
// delivery on a local cluster of hack/local-up.sh through five paths:
// (a) directly to ml-apiserver with a ServiceAccount token (delegated
// authentication and authorization), (b) through kube-apiserver's
// aggregator as the admin, and (c) a CRD with the same schema served by the
// same kube-apiserver on the same etcd, as the admin, all in JSON; (d) and
// (e) are (a) and (b) in protobuf, which a CRD cannot speak. Watch delivery
// is measured in JSON on every path. It prints a ratio table; nothing is
// asserted.
func BenchmarkAggregation(b *testing.B) {
	ctx := context.Background()
	c := setUpPaths(b, startLocalCluster(b))
	c.w = aggFull
	if testing.Short() {
		c.w = aggShort
	}

	for _, p := range c.paths {
		if err := c.warmUp(ctx, p); err != nil {
			b.Fatalf("warm-up %s: %v", p.name, err)
		}
	}

	var all [][]aggRow
	loadBefore := loadAverage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := c.run(ctx, fmt.Sprintf("bench-%d", i))
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, rows)
	}
	b.StopTimer()
	rows := averageAgg(all)
	reportAgg(b, rows)
	printAggTable(c, rows, loadBefore, loadAverage())
}

// setUpPaths creates the CRD, a ServiceAccount bound to cluster-admin for
// the direct path, and the paths' clients.
func setUpPaths(b *testing.B, lc *localCluster) *benchCluster {
	ctx := context.Background()
	admin := rest.CopyConfig(lc.admin)
	admin.QPS, admin.Burst = 1e6, 1e6
	kube, err := kubernetes.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	conv, err := createCRD(ctx, dyn)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("CRD %s: %d OpenAPI definitions inlined, %d places preserve unknown fields", crdName, conv.inlined, conv.preserved)

	token, err := benchToken(ctx, kube)
	if err != nil {
		b.Fatal(err)
	}
	directConfig := &rest.Config{
		Host:            lc.env["ML_APISERVER_URL"],
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: lc.env["ML_APISERVER_CA_FILE"]},
		UserAgent:       "ml-bench",
	}
	adminConfig := rest.CopyConfig(admin)
	adminConfig.UserAgent = "ml-bench"

	c := &benchCluster{localCluster: lc, kube: kube}
	const jsonType, protoType = runtime.ContentTypeJSON, runtime.ContentTypeProtobuf
	for i, def := range []struct {
		key, name, group string
		cfg              *rest.Config
		mediaType        string
	}{
		{"a", "(a) direct", mlv1alpha1.GroupName, directConfig, jsonType},
		{"b", "(b) aggregated", mlv1alpha1.GroupName, adminConfig, jsonType},
		{"c", "(c) CRD", crdGroup, adminConfig, jsonType},
		{"d", "(d) direct, protobuf", mlv1alpha1.GroupName, directConfig, protoType},
		{"e", "(e) aggregated, protobuf", mlv1alpha1.GroupName, adminConfig, protoType},
	} {
		client, err := rest.HTTPClientFor(def.cfg)
		if err != nil {
			b.Fatalf("%s client: %v", def.name, err)
		}
		c.paths[i] = &apiPath{key: def.key, name: def.name, group: def.group, host: def.cfg.Host, client: client, mediaType: def.mediaType}
	}
	for i, name := range cpuNames {
		if name != "client" {
			c.pids[i] = lc.pid(name)
		}
	}
	return c
}

// benchToken creates the ServiceAccount ml-bench/bench-client bound to
// cluster-admin and returns a token of it: a client of ml-apiserver that,
// unlike the admin's client certificate (system:masters, always allowed),
// is authenticated and authorized by kube-apiserver through TokenReview and
// SubjectAccessReview.
func benchToken(ctx context.Context, kube kubernetes.Interface) (string, error) {
	const ns, sa = "ml-bench", "bench-client"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("create namespace %s: %w", ns, err)
	}
	if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("create ServiceAccount: %w", err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ml-bench-cluster-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}},
	}
	if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		return "", fmt.Errorf("create ClusterRoleBinding: %w", err)
	}
	tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](4 * 3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return tr.Status.Token, nil
}

func (c *benchCluster) createNamespace(ctx context.Context, name string) error {
	_, err := c.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// warmUp waits until the path serves (a new CRD takes a moment), then
// creates, gets, lists and watches a little, so that connections, the
// authentication and authorization caches and the watch caches are warm.
func (c *benchCluster) warmUp(ctx context.Context, p *apiPath) error {
	ns := "warm-up-" + p.key
	for _, n := range []string{ns, ns + "-watch"} {
		if err := c.createNamespace(ctx, n); err != nil {
			return err
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := p.list(ctx, ns)
		return err == nil, nil
	})
	if err != nil {
		_, lastErr := p.list(ctx, ns)
		return fmt.Errorf("%s does not serve: %w", p.collection(ns), lastErr)
	}
	if _, err := runParallel(c.w.warmUp, func(i int) error { return p.create(ctx, ns, jobName(i)) }); err != nil {
		return err
	}
	if _, err := runParallel(2*c.w.warmUp, func(i int) error { return p.get(ctx, ns, jobName(spread(i, c.w.warmUp))) }); err != nil {
		return err
	}
	for range 3 {
		if _, err := p.list(ctx, ns); err != nil {
			return err
		}
	}
	_, err = c.watchLatencies(ctx, p, ns+"-watch", "w-", 20)
	return err
}

// snapshot samples the processes' CPU times and ml-apiserver's delegated
// review counters. The counters are scraped outside the CPU samples (before
// them at the start, after them at the end), so that the scrape does not
// count as work of the measured operations.
func (c *benchCluster) snapshot(ctx context.Context, start bool) snapshot {
	var s snapshot
	scrape := func() { s.authz, s.authn = c.delegatedReviews(ctx) }
	if start {
		scrape()
	}
	s.cpu[0] = processCPU()
	for i := 1; i < len(cpuNames); i++ {
		s.cpu[i] = pidCPU(c.pids[i])
	}
	if !start {
		scrape()
	}
	return s
}

// delegatedReviews reads ml-apiserver's counters of the TokenReviews and
// SubjectAccessReviews it sent to kube-apiserver (each a cache miss of the
// delegating authenticator or authorizer); -1 when unknown.
func (c *benchCluster) delegatedReviews(ctx context.Context) (authz, authn float64) {
	p := c.paths[direct]
	body, err := p.do(ctx, http.MethodGet, p.host+"/metrics", "", nil, http.StatusOK, true)
	if err != nil {
		return -1, -1
	}
	authz, authn = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var target *float64
		switch {
		case strings.HasPrefix(line, "apiserver_delegated_authz_request_total"):
			target = &authz
		case strings.HasPrefix(line, "apiserver_delegated_authn_request_total"):
			target = &authn
		default:
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			continue
		}
		if *target < 0 {
			*target = 0
		}
		*target += v
	}
	return authz, authn
}

// sample is what one round of a measurement took on one path.
type sample struct {
	wall time.Duration
	ops  int
	cpu  [len(cpuNames)]time.Duration
	// authz and authn are the delegated reviews in the round, -1 if unknown.
	authz, authn float64
	bytes        int
	watch        watchLatency
}

// sampled runs one round of ops operations and attributes the CPU time and
// delegated reviews in between to them.
func (c *benchCluster) sampled(ctx context.Context, ops int, run func(s *sample) error) (sample, error) {
	s := sample{ops: ops, authz: -1, authn: -1}
	before := c.snapshot(ctx, true)
	start := time.Now()
	err := run(&s)
	s.wall = time.Since(start)
	after := c.snapshot(ctx, false)
	for i := range cpuNames {
		s.cpu[i] = after.cpu[i] - before.cpu[i]
	}
	if before.authz >= 0 && after.authz >= 0 {
		s.authz = after.authz - before.authz
	}
	if before.authn >= 0 && after.authn >= 0 {
		s.authn = after.authn - before.authn
	}
	return s, err
}

// summary folds the rounds of one path into a measure; value is left to
// the caller.
func summary(samples []sample) measure {
	m := measure{authz: 0, authn: 0}
	var ops int
	var cpu [len(cpuNames)]time.Duration
	for _, s := range samples {
		ops += s.ops
		for i := range cpuNames {
			cpu[i] += s.cpu[i]
		}
		if s.authz < 0 || m.authz < 0 {
			m.authz = -1
		} else {
			m.authz += s.authz
		}
		if s.authn < 0 || m.authn < 0 {
			m.authn = -1
		} else {
			m.authn += s.authn
		}
		m.bytes = s.bytes
		m.early += s.watch.early
	}
	if ops == 0 {
		return m
	}
	for i := range cpuNames {
		m.cpu[i] = ms(cpu[i]) / float64(ops)
	}
	if m.authz >= 0 {
		m.authz /= float64(ops)
	}
	if m.authn >= 0 {
		m.authn /= float64(ops)
	}
	return m
}

// throughput is operations per second over all rounds.
func throughput(samples []sample) float64 {
	var ops int
	var wall time.Duration
	for _, s := range samples {
		ops += s.ops
		wall += s.wall
	}
	return float64(ops) / wall.Seconds()
}

// medianWall is the median duration of the rounds (of one operation each).
func medianWall(samples []sample) float64 {
	d := make([]time.Duration, len(samples))
	for i, s := range samples {
		d[i] = s.wall
	}
	return ms(quantile(d, 0.5))
}

// share is the part [lo, hi) of n operations that round r of rounds does.
func share(n, r, rounds int) (lo, hi int) {
	return n * r / rounds, n * (r + 1) / rounds
}

// run is one iteration. Every measurement runs in rounds; in each round the
// paths take their turn in an order that rotates from round to round
// (and from measurement to measurement), so that no path always goes first
// or last.
func (c *benchCluster) run(ctx context.Context, prefix string) ([]aggRow, error) {
	var ns [numPaths]string
	for i, p := range c.paths {
		ns[i] = prefix + "-" + p.key
		if err := c.createNamespace(ctx, ns[i]); err != nil {
			return nil, err
		}
		if err := c.createNamespace(ctx, ns[i]+"-watch"); err != nil {
			return nil, err
		}
	}
	turn := 0
	// rounds runs one measurement: round(r, i, p) is round r on path i.
	rounds := func(row aggRow, n int, round func(r, i int, p *apiPath) (sample, error)) ([numPaths][]sample, error) {
		var out [numPaths][]sample
		for r := range n {
			for k := range numPaths {
				i := (turn + k) % numPaths
				p := c.paths[i]
				profiled := c.startProfiles(ctx, row.key, r, p)
				s, err := round(r, i, p)
				profiled()
				if err != nil {
					return out, fmt.Errorf("%s, %s: %w", row.name, p.name, err)
				}
				out[i] = append(out[i], s)
			}
			turn++
		}
		return out, nil
	}

	var rows []aggRow
	from := 0
	for size, n := range []int{c.w.small, c.w.large} {
		label := sizeLabel(n)
		row := aggRow{key: "create" + label, unit: "ops/s", higherBetter: true,
			name: fmt.Sprintf("create, %d clients (%s→%s)", clients, sizeLabel(from), label)}
		samples, err := rounds(row, c.w.createRounds[size], func(r, i int, p *apiPath) (sample, error) {
			lo, hi := share(n-from, r, c.w.createRounds[size])
			return c.sampled(ctx, hi-lo, func(*sample) error {
				_, err := runParallel(hi-lo, func(j int) error { return p.create(ctx, ns[i], jobName(from+lo+j)) })
				return err
			})
		})
		if err != nil {
			return nil, err
		}
		for i := range numPaths {
			row.m[i] = summary(samples[i])
			row.m[i].value = throughput(samples[i])
		}
		rows = append(rows, row)

		row = aggRow{key: "get" + label, unit: "ops/s", higherBetter: true,
			name: fmt.Sprintf("get, %d clients (%s objects)", clients, label)}
		samples, err = rounds(row, c.w.getRounds, func(r, i int, p *apiPath) (sample, error) {
			lo, hi := share(c.w.gets, r, c.w.getRounds)
			return c.sampled(ctx, hi-lo, func(*sample) error {
				_, err := runParallel(hi-lo, func(j int) error { return p.get(ctx, ns[i], jobName(spread(lo+j, n))) })
				return err
			})
		})
		if err != nil {
			return nil, err
		}
		for i := range numPaths {
			row.m[i] = summary(samples[i])
			row.m[i].value = throughput(samples[i])
		}
		rows = append(rows, row)

		runs := c.w.listRuns[size]
		row = aggRow{key: "list" + label, unit: "ms",
			name: fmt.Sprintf("list %s objects (median of %d)", label, runs)}
		samples, err = rounds(row, runs, func(r, i int, p *apiPath) (sample, error) {
			var body []byte
			s, err := c.sampled(ctx, 1, func(s *sample) error {
				var err error
				body, err = p.list(ctx, ns[i])
				return err
			})
			if err != nil {
				return s, err
			}
			s.bytes = len(body)
			return s, p.checkListed(body, n)
		})
		if err != nil {
			return nil, err
		}
		for i := range numPaths {
			row.m[i] = summary(samples[i])
			row.m[i].value = medianWall(samples[i])
		}
		rows = append(rows, row)
		from = n
	}

	// Watch delivery: the four rows come from the same events.
	head := aggRow{key: "watchsent-p50", unit: "ms",
		name: fmt.Sprintf("watch: write sent → event, median of %d", c.w.watchEvents)}
	samples, err := rounds(head, c.w.watchRounds, func(r, i int, p *apiPath) (sample, error) {
		lo, hi := share(c.w.watchEvents, r, c.w.watchRounds)
		return c.sampled(ctx, hi-lo+aggWatchWarmUp, func(s *sample) error {
			var err error
			s.watch, err = c.watchLatencies(ctx, p, ns[i]+"-watch", fmt.Sprintf("w%d-", r), hi-lo)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	var lats [numPaths]watchLatency
	var watch [numPaths]measure
	for i := range numPaths {
		watch[i] = summary(samples[i])
		for _, s := range samples[i] {
			lats[i].sinceSent = append(lats[i].sinceSent, s.watch.sinceSent...)
			lats[i].sinceReturned = append(lats[i].sinceReturned, s.watch.sinceReturned...)
		}
	}
	for _, q := range []struct {
		key, name string
		signed    bool
		q         float64
	}{
		{"watchsent-p50", "watch: write sent → event, median", false, 0.5},
		{"watchsent-p99", "watch: write sent → event, p99", false, 0.99},
		{"watchreturned-p50", "watch: write returned → event, median", true, 0.5},
		{"watchreturned-p99", "watch: write returned → event, p99", true, 0.99},
	} {
		row := aggRow{key: q.key, unit: "ms", signed: q.signed, name: fmt.Sprintf("%s of %d", q.name, c.w.watchEvents)}
		for i := range numPaths {
			row.m[i] = watch[i]
			d := lats[i].sinceSent
			if q.signed {
				d = lats[i].sinceReturned
			}
			row.m[i].value = ms(quantile(d, q.q))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// checkListed checks that a list response holds n items.
func (p *apiPath) checkListed(body []byte, n int) error {
	if p.mediaType == runtime.ContentTypeProtobuf {
		list := &mlv1alpha1.TrainingJobList{}
		if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, list); err != nil {
			return fmt.Errorf("decode protobuf list: %w", err)
		}
		if len(list.Items) != n {
			return fmt.Errorf("listed %d TrainingJobs, want %d", len(list.Items), n)
		}
		return nil
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("decode list: %w", err)
	}
	if len(list.Items) != n {
		return fmt.Errorf("listed %d TrainingJobs, want %d", len(list.Items), n)
	}
	return nil
}

// watchLatency is when the watch events of writes arrived.
type watchLatency struct {
	// sinceSent is from sending the write request to the event arriving,
	// sinceReturned from the write's response being read to the event
	// arriving: negative when the event came first, which early counts.
	sinceSent, sinceReturned []time.Duration
	early                    int
}

// watchLatencies watches namespace ns (from now, through the path's watch
// cache) and then, one after the other, creates a TrainingJob (named prefix
// and a number) and updates it (merge patch of spec.activeDeadlineSeconds):
// aggWatchWarmUp unmeasured writes, then events measured ones. A write's
// event is the one with the object's new resourceVersion; it has arrived
// once it is decoded.
func (c *benchCluster) watchLatencies(ctx context.Context, p *apiPath, ns, prefix string, events int) (watchLatency, error) {
	var lat watchLatency
	p = p.json()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(wctx, http.MethodGet, p.collection(ns)+"?watch=1", nil)
	if err != nil {
		return lat, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return lat, fmt.Errorf("watch %s: %w", ns, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return lat, fmt.Errorf("watch %s: status %d: %s", ns, resp.StatusCode, msg)
	}

	var (
		mu      sync.Mutex
		arrived = map[string]time.Time{}
		readErr error
	)
	notify := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		dec := json.NewDecoder(resp.Body)
		for {
			var e struct {
				Type   string `json:"type"`
				Object struct {
					Metadata struct {
						ResourceVersion string `json:"resourceVersion"`
					} `json:"metadata"`
				} `json:"object"`
			}
			if err := dec.Decode(&e); err != nil {
				mu.Lock()
				readErr = err
				mu.Unlock()
				return
			}
			t := time.Now()
			mu.Lock()
			arrived[e.Object.Metadata.ResourceVersion] = t
			mu.Unlock()
			select {
			case notify <- struct{}{}:
			default:
			}
		}
	}()

	for i := range events + aggWatchWarmUp {
		name := fmt.Sprintf("%s%05d", prefix, i/2)
		var body []byte
		sent := time.Now()
		if i%2 == 0 {
			body, err = p.do(ctx, http.MethodPost, p.collection(ns), "application/json", p.body(name), http.StatusCreated, true)
		} else {
			patch := fmt.Sprintf(`{"spec":{"activeDeadlineSeconds":%d}}`, 7200+i)
			body, err = p.do(ctx, http.MethodPatch, p.item(ns, name), "application/merge-patch+json", []byte(patch), http.StatusOK, true)
		}
		returned := time.Now()
		if err != nil {
			return lat, err
		}
		var obj struct {
			Metadata struct {
				ResourceVersion string `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &obj); err != nil || obj.Metadata.ResourceVersion == "" {
			return lat, fmt.Errorf("no resourceVersion in the response for %s/%s: %v", ns, name, err)
		}
		rv := obj.Metadata.ResourceVersion
		timeout := time.NewTimer(30 * time.Second)
		for {
			mu.Lock()
			t, ok := arrived[rv]
			rerr := readErr
			mu.Unlock()
			if ok {
				if i >= aggWatchWarmUp {
					lat.sinceSent = append(lat.sinceSent, t.Sub(sent))
					lat.sinceReturned = append(lat.sinceReturned, t.Sub(returned))
					if t.Before(returned) {
						lat.early++
					}
				}
				break
			}
			if rerr != nil {
				timeout.Stop()
				return lat, fmt.Errorf("watch %s ended: %w", ns, rerr)
			}
			select {
			case <-notify:
			case <-done:
			case <-timeout.C:
				return lat, fmt.Errorf("no watch event for %s/%s at resourceVersion %s within 30s", ns, name, rv)
			}
		}
		timeout.Stop()
	}
	return lat, nil
}

// quantile is the q-quantile (nearest rank) of the latencies.
func quantile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
