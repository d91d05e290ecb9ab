package validation_test

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// job starts a valid TrainingJob "a" in "ns".
func job() *mltesting.TrainingJobWrapper {
	return mltesting.MakeTrainingJob("a", "ns")
}

func TestValidateTrainingJob(t *testing.T) {
	longest := strings.Repeat("a", validation.MaxWorkloadNameLength)
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		want []string
	}{
		{name: "valid", obj: job().Obj()},
		{name: "name of the longest length", obj: mltesting.MakeTrainingJob(longest, "ns").Obj()},
		{name: "name too long", obj: mltesting.MakeTrainingJob(longest+"b", "ns").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "name starts with a digit", obj: mltesting.MakeTrainingJob("1st", "ns").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "name with a dot", obj: mltesting.MakeTrainingJob("a.b", "ns").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "namespace required", obj: mltesting.MakeTrainingJob("a", "").Obj(), want: []string{"metadata.namespace: Required value"}},

		{name: "framework PyTorch", obj: job().Framework(ml.FrameworkPyTorch).Obj()},
		{name: "framework unset", obj: job().Framework("").Obj()},
		{name: "framework unknown", obj: job().Framework("Caffe").Obj(), want: []string{"spec.framework: Unsupported value"}},
		{name: "replicas 4", obj: job().Replicas(4).Obj()},
		{name: "replicas 0", obj: job().Replicas(0).Obj(), want: []string{"spec.replicas: Invalid value"}},

		{name: "elastic", obj: job().Elastic(1, 4).Replicas(2).Obj()},
		{name: "elastic at the bounds", obj: job().Elastic(2, 2).Replicas(2).Obj()},
		{name: "elastic without bounds", obj: job().Replicas(7).ElasticPolicy(ml.ElasticPolicy{}).Obj()},
		{name: "elastic without maxReplicas", obj: job().Replicas(7).ElasticPolicy(ml.ElasticPolicy{MinReplicas: ptr.To[int32](2)}).Obj()},
		{name: "elastic without minReplicas", obj: job().Replicas(1).ElasticPolicy(ml.ElasticPolicy{MaxReplicas: ptr.To[int32](2)}).Obj()},
		{name: "elastic maxReplicas 0 without minReplicas", obj: job().ElasticPolicy(ml.ElasticPolicy{MaxReplicas: ptr.To[int32](0)}).Obj(), want: []string{"spec.elastic.maxReplicas: Invalid value"}},
		{name: "elastic minReplicas 0", obj: job().Elastic(0, 4).Obj(), want: []string{"spec.elastic.minReplicas: Invalid value"}},
		{name: "elastic maxReplicas below minReplicas", obj: job().Elastic(3, 2).Replicas(3).Obj(), want: []string{"spec.elastic.maxReplicas: Invalid value"}},
		{name: "replicas below elastic bounds", obj: job().Elastic(2, 4).Replicas(1).Obj(), want: []string{"spec.replicas: Invalid value"}},
		{name: "replicas above elastic bounds", obj: job().Elastic(2, 4).Replicas(5).Obj(), want: []string{"spec.replicas: Invalid value"}},

		{name: "backoffLimit 0", obj: job().BackoffLimit(0).Obj()},
		{name: "backoffLimit negative", obj: job().BackoffLimit(-1).Obj(), want: []string{"spec.backoffLimit: Invalid value"}},
		{name: "masterPort", obj: job().MasterPort(29500).Obj()},
		{name: "masterPort 0", obj: job().MasterPort(0).Obj(), want: []string{"spec.masterPort: Invalid value"}},
		{name: "masterPort too high", obj: job().MasterPort(65536).Obj(), want: []string{"spec.masterPort: Invalid value"}},
		{name: "activeDeadlineSeconds 1", obj: job().ActiveDeadlineSeconds(1).Obj()},
		{name: "activeDeadlineSeconds 0", obj: job().ActiveDeadlineSeconds(0).Obj(), want: []string{"spec.activeDeadlineSeconds: Invalid value"}},
		{name: "ttlSecondsAfterFinished 0", obj: job().TTLSecondsAfterFinished(0).Obj()},
		{name: "ttlSecondsAfterFinished negative", obj: job().TTLSecondsAfterFinished(-1).Obj(), want: []string{"spec.ttlSecondsAfterFinished: Invalid value"}},
		{name: "cleanPodPolicy All", obj: job().CleanPodPolicy(ml.CleanPodPolicyAll).Obj()},
		{name: "cleanPodPolicy unknown", obj: job().CleanPodPolicy("Some").Obj(), want: []string{"spec.cleanPodPolicy: Unsupported value"}},

		{name: "metrics Push", obj: job().Metrics(ml.MetricsCollectorPush, "").Obj()},
		{name: "metrics collector unknown", obj: job().Metrics("Prometheus", "").Obj(), want: []string{"spec.metrics.collector: Unsupported value"}},
		{name: "metrics format with two groups", obj: job().Metrics(ml.MetricsCollectorStdOut, `(\w+)\s*:\s*([-+.\deE]+)`).Obj()},
		{name: "metrics format with one group", obj: job().Metrics(ml.MetricsCollectorStdOut, `loss=(\S+)`).Obj(), want: []string{"spec.metrics.format: Invalid value"}},
		{name: "metrics format with three groups", obj: job().Metrics("", `(\w+)=(\d+)(\.\d+)`).Obj(), want: []string{"spec.metrics.format: Invalid value"}},
		{name: "metrics format not a regexp", obj: job().Metrics(ml.MetricsCollectorStdOut, `(\w+=(\S+)`).Obj(), want: []string{"spec.metrics.format: Invalid value"}},
		{name: "metrics format without StdOut", obj: job().Metrics(ml.MetricsCollectorNone, `(\w+)=(\S+)`).Obj(), want: []string{"spec.metrics.format: Forbidden"}},

		{name: "outputURI", obj: job().OutputURI("s3://bucket/models/a").Obj()},
		{name: "outputURI absolute path", obj: job().OutputURI("/data/models/a").Obj()},
		{name: "outputURI relative", obj: job().OutputURI("models/a").Obj(), want: []string{"spec.outputURI: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJob(tc.obj, opts))
		})
	}
}

func TestValidateTrainingJobElasticMessages(t *testing.T) {
	checkMessages(t, []string{
		"spec.replicas: Invalid value: 5: must be between spec.elastic.minReplicas (2) and spec.elastic.maxReplicas (4)",
	}, validation.ValidateTrainingJob(job().Elastic(2, 4).Replicas(5).Obj(), opts))

	onlyMax := job().Replicas(5).Obj()
	onlyMax.Spec.Elastic = &ml.ElasticPolicy{MaxReplicas: ptr.To[int32](4)}
	checkMessages(t, []string{
		"spec.replicas: Invalid value: 5: must be between 1 and spec.elastic.maxReplicas (4)",
	}, validation.ValidateTrainingJob(onlyMax, opts))

	onlyMin := job().Replicas(1).Obj()
	onlyMin.Spec.Elastic = &ml.ElasticPolicy{MinReplicas: ptr.To[int32](2)}
	checkMessages(t, []string{
		"spec.replicas: Invalid value: 1: must be greater than or equal to spec.elastic.minReplicas (2)",
	}, validation.ValidateTrainingJob(onlyMin, opts))
}

func TestValidateTrainingJobUpdate(t *testing.T) {
	base := func() *mltesting.TrainingJobWrapper {
		return job().Replicas(2).Command("python", "train.py").Env("EPOCHS", "3").
			Request("cpu", "1").MasterPort(29500).OutputURI("s3://b/a").PVCVolume("data", "ds").
			VolumeMount("data", "/data").ResourceVersion("1")
	}
	old := base().Obj()
	elasticOld := base().Elastic(1, 4).Obj()
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		old  *ml.TrainingJob
		want []string
	}{
		{name: "unchanged", obj: base().Obj(), old: old},
		{
			name: "lifecycle fields",
			obj:  base().Suspend(true).ActiveDeadlineSeconds(600).TTLSecondsAfterFinished(60).BackoffLimit(5).CleanPodPolicy(ml.CleanPodPolicyAll).Obj(),
			old:  old,
		},
		{name: "replicas of a non-elastic job", obj: base().Replicas(3).Obj(), old: old, want: []string{"spec.replicas: Invalid value"}},
		{name: "replicas of an elastic job", obj: base().Elastic(1, 4).Replicas(3).Obj(), old: elasticOld},
		{name: "replicas outside the elastic bounds", obj: base().Elastic(1, 4).Replicas(5).Obj(), old: elasticOld, want: []string{"spec.replicas: Invalid value"}},
		{name: "elastic bounds", obj: base().Elastic(2, 8).Obj(), old: elasticOld},
		{name: "framework", obj: base().Framework(ml.FrameworkPyTorch).Obj(), old: old, want: []string{"spec.framework: Invalid value"}},
		{name: "image", obj: base().Image("trainer:v2").Obj(), old: old, want: []string{"spec.image: Invalid value"}},
		{name: "command", obj: base().Command("python", "train2.py").Obj(), old: old, want: []string{"spec.command: Invalid value"}},
		{name: "args", obj: base().Args("--fast").Obj(), old: old, want: []string{"spec.args: Invalid value"}},
		{name: "env", obj: base().Env("LR", "0.1").Obj(), old: old, want: []string{"spec.env: Invalid value"}},
		{name: "resources", obj: base().Request("cpu", "2").Obj(), old: old, want: []string{"spec.resources: Invalid value"}},
		{name: "resources written differently", obj: base().Request("cpu", "1000m").Obj(), old: old},
		{name: "serviceAccountName", obj: base().ServiceAccountName("trainer").Obj(), old: old, want: []string{"spec.serviceAccountName: Invalid value"}},
		{name: "nodeSelector", obj: base().NodeSelector("gpu", "a100").Obj(), old: old, want: []string{"spec.nodeSelector: Invalid value"}},
		{name: "podMetadata", obj: base().PodLabel("team", "x").Obj(), old: old, want: []string{"spec.podMetadata: Invalid value"}},
		{name: "volumes", obj: base().PVCVolume("more", "ds2").Obj(), old: old, want: []string{"spec.volumes: Invalid value"}},
		{name: "masterPort", obj: base().MasterPort(1234).Obj(), old: old, want: []string{"spec.masterPort: Invalid value"}},
		{name: "metrics", obj: base().Metrics(ml.MetricsCollectorPush, "").Obj(), old: old, want: []string{"spec.metrics: Invalid value"}},
		{name: "outputURI", obj: base().OutputURI("s3://b/c").Obj(), old: old, want: []string{"spec.outputURI: Invalid value"}},
		{name: "name", obj: mltesting.MakeTrainingJob("b", "ns").Obj(), old: job().ResourceVersion("1").Obj(), want: []string{"metadata.resourceVersion: Invalid value", "metadata.name: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJobUpdate(tc.obj, tc.old, opts))
		})
	}
}

func TestValidateTrainingJobUpdateReplicasMessage(t *testing.T) {
	old := job().Replicas(2).ResourceVersion("1").Obj()
	errs := validation.ValidateTrainingJobUpdate(job().Replicas(3).ResourceVersion("1").Obj(), old, opts)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "set spec.elastic") {
		t.Errorf("want one error telling to set spec.elastic, got %v", errs)
	}
}
