package etcdspace

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Result says what a recovery did.
type Result struct {
	// Revision is the revision compacted to; every key keeps its value.
	Revision int64
	// SizeBefore and SizeAfter are the database file sizes around the
	// defragmentation; SizeInUse is what the keys occupy.
	SizeBefore, SizeAfter, SizeInUse int64
	// Quota is the space quota of the member (0 when it does not say).
	Quota int64
	// Disarmed is the number of NOSPACE alarms disarmed.
	Disarmed int
}

// StillFull says whether the live keys alone fill most of the quota, so
// the alarm comes back soon: data must be deleted, or the quota raised.
func (r Result) StillFull() bool {
	return r.Quota > 0 && r.SizeInUse >= r.Quota*9/10
}

// Recover frees the space of a single-member etcd reached at endpoint:
// it compacts the history up to the current revision (watchers of an
// older revision relist), defragments to give the freed pages back, and
// disarms the NOSPACE alarms. No key is deleted. Writes wait while the
// defragmentation runs.
func Recover(ctx context.Context, client *clientv3.Client, endpoint string) (Result, error) {
	var r Result
	status, err := client.Status(ctx, endpoint)
	if err != nil {
		return r, fmt.Errorf("etcd status: %w", err)
	}
	r.Revision, r.SizeBefore = status.Header.Revision, status.DbSize
	if _, err := client.Compact(ctx, r.Revision, clientv3.WithCompactPhysical()); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return r, fmt.Errorf("compact etcd to revision %d: %w", r.Revision, err)
	}
	if _, err := client.Defragment(ctx, endpoint); err != nil {
		return r, fmt.Errorf("defragment etcd: %w", err)
	}
	alarms, err := NoSpaceAlarms(ctx, client)
	if err != nil {
		return r, err
	}
	for _, a := range alarms {
		if _, err := client.AlarmDisarm(ctx, &clientv3.AlarmMember{MemberID: a.MemberID, Alarm: a.Alarm}); err != nil {
			return r, fmt.Errorf("disarm the NOSPACE alarm of member %x: %w", a.MemberID, err)
		}
		r.Disarmed++
	}
	status, err = client.Status(ctx, endpoint)
	if err != nil {
		return r, fmt.Errorf("etcd status: %w", err)
	}
	r.SizeAfter, r.SizeInUse, r.Quota = status.DbSize, status.DbSizeInUse, status.DbSizeQuota
	return r, nil
}
