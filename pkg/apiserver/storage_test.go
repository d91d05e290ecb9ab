package apiserver

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiserver/pkg/registry/generic"

	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/pkg/storage/taskstore"
)

// TestV1alpha1StorageResources checks the paths the group serves, with and
// without the data etcd of logs and metric points, and that none of them
// is served by a nil storage.
func TestV1alpha1StorageResources(t *testing.T) {
	always := []string{
		"clusterservingruntimes",
		"clustertrainingruntimes",
		"models", "models/log", "models/scale", "models/status",
		"notebooks", "notebooks/log", "notebooks/scale", "notebooks/status",
		"pipelineruns", "pipelineruns/artifacts", "pipelineruns/log", "pipelineruns/pipeline", "pipelineruns/status",
		"pipelines", "pipelines/status",
		"recurringruns", "recurringruns/status",
		"servingruntimes",
		"trainingjobs", "trainingjobs/artifacts", "trainingjobs/log", "trainingjobs/scale", "trainingjobs/status",
		"trainingruntimes",
		"tuningjobs", "tuningjobs/status",
	}
	withMetrics := append(slices.Clone(always), "models/metrics", "pipelineruns/metrics", "pipelineruns/tasks", "trainingjobs/metrics")
	slices.Sort(withMetrics)
	aggregated := append(slices.Clone(always), "profilerequests", "profiles", "profiles/members", "profiles/status")
	slices.Sort(aggregated)
	tests := map[string]struct {
		data     *dataStores
		profiles *ProfilesConfig
		want     []string
	}{
		// Profiles are served in aggregated mode only.
		"with profiles":       {data: &dataStores{}, profiles: &ProfilesConfig{MaxPerUser: 5}, want: aggregated},
		"without a data etcd": {data: &dataStores{}, want: always},
		"with a data etcd": {
			// The stores are not used: no client is needed.
			data: &dataStores{metrics: metricstore.NewEtcd(nil, metricstore.EtcdOptions{}), logs: logstore.NewEtcd(logstore.EtcdConfig{}), tasks: taskstore.NewEtcd(nil, "")},
			want: withMetrics,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := completedConfig{ExtraConfig: &ExtraConfig{Profiles: tc.profiles}}
			s, err := c.newV1alpha1Storage(registrytest.NewRESTOptions(t, "things", generic.UndecoratedStorage), tc.data)
			if err != nil {
				t.Fatal(err)
			}
			resources := s.resources()
			t.Cleanup(func() {
				for _, path := range []string{"pipelines", "pipelineruns", "trainingjobs", "models", "notebooks", "profiles"} {
					if r, ok := resources[path]; ok {
						r.Destroy()
					}
				}
			})
			var got []string
			for path, storage := range resources {
				got = append(got, path)
				if v := reflect.ValueOf(storage); v.Kind() == reflect.Pointer && v.IsNil() {
					t.Errorf("%s is served by a nil %T", path, storage)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
			// The controllers that write status.latestMetrics and sweep
			// archived logs get the stores exactly when they exist.
			server := &Server{}
			server.setDataStores(tc.data)
			if (server.MetricStore != nil) != (tc.data.metrics != nil) || (server.LogStore != nil) != (tc.data.logs != nil) {
				t.Errorf("the controllers get metric store %v and log store %v from data stores %+v", server.MetricStore, server.LogStore, tc.data)
			}
		})
	}
}
