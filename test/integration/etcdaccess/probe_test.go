// Package etcdaccess tests that the embedded etcd and the data directory
// of a standalone server are closed to everyone but the server: to a
// client without the server's credentials, and to another account of the
// machine, by every path.
package etcdaccess

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// jobKey is where a TrainingJob would be stored.
const jobKey = "/registry/ml.example.io/ml.example.io/trainingjobs/default/planted"

// jobJSON is a TrainingJob a hostile client would plant.
const jobJSON = `{"apiVersion":"ml.example.io/v1alpha1","kind":"TrainingJob","metadata":{"name":"planted","namespace":"default"},` +
	`"spec":{"replicas":1,"template":{"command":["/bin/sh","-c","id > /tmp/owned"]}}}`

// probeEtcd tries to read and write etcd at host (ip:port) without
// credentials, by gRPC and by HTTP, plain and TLS. It returns what worked.
func probeEtcd(ctx context.Context, host string) []string {
	var got []string
	noCert := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a hostile client
	for _, scheme := range []string{"http", "https"} {
		cfg := clientv3.Config{Endpoints: []string{scheme + "://" + host}, DialTimeout: 2 * time.Second}
		if scheme == "https" {
			cfg.TLS = noCert
		}
		if err := etcdDo(ctx, cfg, func(ctx context.Context, c *clientv3.Client) error {
			_, err := c.Get(ctx, "/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
			return err
		}); err == nil {
			got = append(got, "etcd Get "+scheme+"://"+host)
		}
		if err := etcdDo(ctx, cfg, func(ctx context.Context, c *clientv3.Client) error {
			_, err := c.Put(ctx, jobKey, jobJSON)
			return err
		}); err == nil {
			got = append(got, "etcd Put "+scheme+"://"+host)
		}
		hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: noCert}}
		for _, path := range []string{"/v3/kv/range", "/v3/kv/put", "/members", "/raft/probing", "/version", "/health"} {
			resp, err := hc.Post(scheme+"://"+host+path, "application/json",
				strings.NewReader(`{"key":"L3JlZ2lzdHJ5","range_end":"L3JlZ2lzdHJ6"}`))
			if err != nil {
				continue
			}
			_ = resp.Body.Close()
			if resp.StatusCode < 400 {
				got = append(got, fmt.Sprintf("POST %s://%s%s: %s", scheme, host, path, resp.Status))
			}
		}
	}
	return got
}

func etcdDo(ctx context.Context, cfg clientv3.Config, f func(context.Context, *clientv3.Client) error) error {
	c, err := clientv3.New(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return f(ctx, c)
}

// probeFiles tries to read every file, list every directory and create a
// file in every directory of paths. It returns what worked.
func probeFiles(paths []string) []string {
	var got []string
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			if _, err := os.ReadDir(p); err == nil {
				got = append(got, "list "+p)
			}
			if f, err := os.Create(filepath.Join(p, "planted")); err == nil {
				_ = f.Close()
				got = append(got, "create in "+p)
			}
			continue
		}
		if f, err := os.Open(p); err == nil {
			if _, err := io.ReadAll(io.LimitReader(f, 1)); err == nil {
				got = append(got, "read "+p)
			}
			_ = f.Close()
		}
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			_ = f.Close()
			got = append(got, "open for writing "+p)
		}
	}
	return got
}

// probeAPI reads and creates TrainingJobs on the API without a client
// certificate. It returns what worked.
func probeAPI(ctx context.Context, address string) []string {
	var got []string
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a hostile client
	}}
	base := "https://" + address + "/apis/ml.example.io/v1alpha1/namespaces/default/trainingjobs"
	for _, r := range []struct{ method, body string }{{http.MethodGet, ""}, {http.MethodPost, jobJSON}} {
		req, err := http.NewRequestWithContext(ctx, r.method, base, strings.NewReader(r.body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode < 400 {
			got = append(got, fmt.Sprintf("%s %s: %s", r.method, base, resp.Status))
		}
	}
	return got
}

// tcpListeners returns the loopback TCP ports this process listens on.
func tcpListeners() ([]int, error) {
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			local := fields[1]
			port, err := strconv.ParseInt(local[strings.LastIndex(local, ":")+1:], 16, 32)
			if err == nil {
				ports = append(ports, int(port))
			}
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return ports, nil
}
