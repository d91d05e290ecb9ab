// Package fuzzer holds the randfill functions of the ml.example.io API group.
// The round-trip test fills internal objects at random, sends them through
// v1alpha1 and back with defaulting on; these functions keep every field that
// defaulting would set non-empty, and every value representable in JSON, so
// that a lossless round trip compares equal.
package fuzzer

import (
	"sigs.k8s.io/randfill"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Funcs returns the fuzzer functions of the ml.example.io API group.
var Funcs = func(codecs runtimeserializer.CodecFactory) []interface{} {
	return append([]interface{}{
		fuzzParamSpec,
		fuzzRetryPolicy,
		fuzzTrainingJobSpec,
		fuzzMetricsSpec,
		fuzzMetricValue,
		fuzzModelSpec,
		fuzzNotebookSpec,
		fuzzWorkspaceSpec,
		fuzzProfileSpec,
		fuzzRecurringRunSpec,
		fuzzOutputArtifact,
		fuzzInputArtifact,
		fuzzTuningJobSpec,
		fuzzTuningParameter,

		// Our types embed core/v1 types whose +default markers the generated
		// defaulters apply; k8s.io/api ships no fuzzer for them.
		fuzzFileKeySelector,
		fuzzISCSIVolumeSource,
		fuzzRBDVolumeSource,
		fuzzAzureDiskVolumeSource,
		fuzzScaleIOVolumeSource,
	}, servingFuncs...)
}

func oneOf[T any](c randfill.Continue, values ...T) T {
	return values[c.Intn(len(values))]
}

func fuzzParamSpec(s *ml.ParamSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	s.Type = oneOf(c, ml.ParamTypeString, ml.ParamTypeInt, ml.ParamTypeFloat, ml.ParamTypeBool, ml.ParamTypeList)
}

func fuzzRetryPolicy(s *ml.RetryPolicy, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Backoff != nil && s.Backoff.Factor == nil {
		f := 1 + c.Int31n(4)
		s.Backoff.Factor = &f
	}
}

func fuzzTrainingJobSpec(s *ml.TrainingJobSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	s.Framework = oneOf(c, ml.FrameworkPyTorch, ml.FrameworkTensorFlow, ml.FrameworkMPI, ml.FrameworkJAX, ml.FrameworkGeneric)
	if s.RuntimeRef != nil {
		s.RuntimeRef.Kind = oneOf(c, ml.ClusterTrainingRuntimeKind, ml.TrainingRuntimeKindName)
	}
	if s.Replicas == nil {
		r := 1 + c.Int31n(8)
		s.Replicas = &r
	}
	if s.BackoffLimit == nil {
		b := c.Int31n(10)
		s.BackoffLimit = &b
	}
	if s.MasterPort == nil {
		p := 1024 + c.Int31n(64511)
		s.MasterPort = &p
	}
	s.CleanPodPolicy = oneOf(c, ml.CleanPodPolicyNone, ml.CleanPodPolicyRunning, ml.CleanPodPolicyAll)
	for i := range s.Roles {
		if r := &s.Roles[i]; r.Replicas == nil && r.Name != ml.RoleWorker {
			n := c.Int31n(2)
			r.Replicas = &n
		}
	}
}

func fuzzMetricsSpec(s *ml.MetricsSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	s.Collector = oneOf(c, ml.MetricsCollectorStdOut, ml.MetricsCollectorPush, ml.MetricsCollectorNone)
}

func fuzzMetricValue(s *ml.MetricValue, c randfill.Continue) {
	c.FillNoCustom(s)
	// JSON has no NaN or Inf; keep values finite, signed and of any magnitude
	// a metric plausibly has.
	s.Value = (c.Float64() - 0.5) * float64(oneOf(c, 1, 1e3, 1e9))
}

func fuzzModelSpec(s *ml.ModelSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Replicas == nil {
		r := c.Int31n(8)
		s.Replicas = &r
	}
	if s.Runtime.Port == 0 {
		s.Runtime.Port = 1 + c.Int31n(65535)
	}
}

func fuzzNotebookSpec(s *ml.NotebookSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	r := c.Int31n(2)
	s.Replicas = &r
	if s.Port == 0 {
		s.Port = 1 + c.Int31n(65535)
	}
}

func fuzzRecurringRunSpec(s *ml.RecurringRunSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.ConcurrencyPolicy == "" {
		s.ConcurrencyPolicy = ml.ConcurrencyPolicy(oneOf(c, "Allow", "Forbid", "Replace"))
	}
	if s.SuccessfulRunsHistoryLimit == nil {
		n := c.Int31n(10)
		s.SuccessfulRunsHistoryLimit = &n
	}
	if s.FailedRunsHistoryLimit == nil {
		n := c.Int31n(10)
		s.FailedRunsHistoryLimit = &n
	}
}

func fuzzTuningJobSpec(s *ml.TuningJobSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Objective.Aggregation == "" {
		s.Objective.Aggregation = ml.AggregationLast
	}
	if s.Algorithm.Name == "" {
		s.Algorithm.Name = ml.AlgorithmRandom
	}
	for _, p := range []**int32{&s.MaxTrials, &s.ParallelTrials, &s.MaxFailedTrials} {
		if *p == nil {
			n := c.Int31n(10) + 1
			*p = &n
		}
	}
	if es := s.EarlyStopping; es != nil && es.MedianStop != nil {
		if es.MedianStop.MinTrials == nil {
			n := c.Int31n(10)
			es.MedianStop.MinTrials = &n
		}
		if es.MedianStop.StartStep == nil {
			n := c.Int63n(10)
			es.MedianStop.StartStep = &n
		}
	}
}

func fuzzTuningParameter(p *ml.TuningParameter, c randfill.Continue) {
	c.FillNoCustom(p)
	if p.Scale == "" {
		p.Scale = ml.ScaleLinear
	}
}

func fuzzWorkspaceSpec(s *ml.WorkspaceSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Size == nil {
		q := resource.MustParse(oneOf(c, "1Gi", "5Gi", "100Gi"))
		s.Size = &q
	}
	if s.MountPath == "" {
		s.MountPath = oneOf(c, "/home/jovyan", "/workspace", "/data")
	}
}

func fuzzFileKeySelector(s *corev1.FileKeySelector, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Optional == nil {
		o := c.Bool()
		s.Optional = &o
	}
}

func fuzzISCSIVolumeSource(s *corev1.ISCSIVolumeSource, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.ISCSIInterface == "" {
		s.ISCSIInterface = "default"
	}
}

func fuzzRBDVolumeSource(s *corev1.RBDVolumeSource, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.RBDPool == "" {
		s.RBDPool = "rbd"
	}
	if s.RadosUser == "" {
		s.RadosUser = "admin"
	}
	if s.Keyring == "" {
		s.Keyring = "/etc/ceph/keyring"
	}
}

func fuzzAzureDiskVolumeSource(s *corev1.AzureDiskVolumeSource, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.CachingMode == nil {
		m := oneOf(c, corev1.AzureDataDiskCachingNone, corev1.AzureDataDiskCachingReadOnly, corev1.AzureDataDiskCachingReadWrite)
		s.CachingMode = &m
	}
	if s.FSType == nil {
		fs := oneOf(c, "ext4", "xfs")
		s.FSType = &fs
	}
	if s.ReadOnly == nil {
		ro := c.Bool()
		s.ReadOnly = &ro
	}
	if s.Kind == nil {
		k := oneOf(c, corev1.AzureSharedBlobDisk, corev1.AzureDedicatedBlobDisk, corev1.AzureManagedDisk)
		s.Kind = &k
	}
}

func fuzzScaleIOVolumeSource(s *corev1.ScaleIOVolumeSource, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.StorageMode == "" {
		s.StorageMode = oneOf(c, "ThickProvisioned", "ThinProvisioned")
	}
	if s.FSType == "" {
		s.FSType = oneOf(c, "ext4", "xfs")
	}
}

func fuzzProfileSpec(s *ml.ProfileSpec, c randfill.Continue) {
	c.FillNoCustom(s)
	s.PodSecurity = oneOf(c, ml.PodSecurityBaseline, ml.PodSecurityRestricted)
	isolated := c.Bool()
	s.NetworkIsolation = &isolated
	s.DeletionPolicy = oneOf(c, ml.ProfileDeletionRetain, ml.ProfileDeletionDelete)
}

// fuzzOutputArtifact gives an output artifact what defaulting would: a type
// and, once named, a path.
func fuzzOutputArtifact(s *ml.OutputArtifact, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Type == "" {
		s.Type = ml.ArtifactTypeGeneric
	}
	if s.Path == "" && s.Name != "" {
		s.Path = "/ml/artifacts/out/" + s.Name
	}
}

// fuzzInputArtifact gives a named input artifact its default path.
func fuzzInputArtifact(s *ml.InputArtifact, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Path == "" && s.Name != "" {
		s.Path = "/ml/artifacts/in/" + s.Name
	}
}
