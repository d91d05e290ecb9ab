package model

import "testing"

func TestSplitReplicas(t *testing.T) {
	cases := []struct {
		total, percent         int32
		wantStable, wantCanary int32
	}{
		{total: 10, percent: 20, wantStable: 8, wantCanary: 2},
		{total: 4, percent: 50, wantStable: 2, wantCanary: 2},
		{total: 3, percent: 50, wantStable: 1, wantCanary: 2},  // 1.5 rounds half up
		{total: 3, percent: 49, wantStable: 2, wantCanary: 1},  // 1.47 rounds down
		{total: 10, percent: 25, wantStable: 7, wantCanary: 3}, // 2.5 rounds up
		{total: 10, percent: 24, wantStable: 8, wantCanary: 2},
		{total: 10, percent: 1, wantStable: 9, wantCanary: 1},  // 0.1 would be 0: each version keeps one
		{total: 10, percent: 99, wantStable: 1, wantCanary: 9}, // 9.9 would be 10
		{total: 2, percent: 10, wantStable: 1, wantCanary: 1},
		{total: 1, percent: 49, wantStable: 1, wantCanary: 0}, // one replica: one version only
		{total: 1, percent: 50, wantStable: 0, wantCanary: 1},
		{total: 5, percent: 0, wantStable: 5, wantCanary: 0},
		{total: 5, percent: 100, wantStable: 0, wantCanary: 5},
		{total: 0, percent: 50, wantStable: 0, wantCanary: 0},
		{total: 0, percent: 100, wantStable: 0, wantCanary: 0},
		{total: 4, percent: -5, wantStable: 4, wantCanary: 0},
		{total: 4, percent: 150, wantStable: 0, wantCanary: 4},
		{total: 1000, percent: 33, wantStable: 670, wantCanary: 330},
	}
	for _, tc := range cases {
		stable, canary := SplitReplicas(tc.total, tc.percent)
		if stable != tc.wantStable || canary != tc.wantCanary {
			t.Errorf("SplitReplicas(%d, %d%%) = %d stable, %d canary; want %d, %d",
				tc.total, tc.percent, stable, canary, tc.wantStable, tc.wantCanary)
		}
		if stable+canary != max(tc.total, 0) {
			t.Errorf("SplitReplicas(%d, %d%%) loses replicas: %d + %d", tc.total, tc.percent, stable, canary)
		}
	}
}
