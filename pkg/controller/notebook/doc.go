// Package notebook is the Notebook controller: for every Notebook it runs
// the notebook server as a StatefulSet named <notebook> of 0 or 1 replica,
// behind a Service named <notebook> (status.url
// http://<notebook>.<namespace>.svc:<port>), with its workspace on a
// PersistentVolumeClaim named <notebook>-workspace mounted at
// spec.workspace.mountPath.
//
// The claim is made by the controller, not by a volumeClaimTemplate, and is
// owned by the Notebook: it stays while the notebook is stopped (the
// StatefulSet at 0 replicas), a started notebook mounts the very same
// claim, and the garbage collector deletes it with the Notebook.
//
// A notebook runs while spec.replicas is 1 and spec.stopped is false; the
// scale subresource sets both, so `kubectl scale nb/x --replicas=0` and
// `stopped: true` are the same stop.
//
// Idle culling: with spec.idleTimeout set, the controller asks the running
// notebook for its kernels' last activity (an ActivityProbe; Jupyter's
// /api/kernels through the Service by default) and records it in
// status.lastActivityTime. A notebook with no activity for idleTimeout —
// counted from its last activity, or from when it became ready when that
// is later — is stopped by setting spec.stopped to true, with a Culled
// event that says why. Starting it again is the same as after any stop.
package notebook
