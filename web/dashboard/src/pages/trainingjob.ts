// The TrainingJob page: replicas, metric curves, per-replica logs
// (followed), conditions and events, with scale, suspend/resume and delete.

import { objPath } from '../api';
import { Page } from '../app';
import { conditions, deleteButton, events, head, patchButton, scaleControl, section, watchObject, yamlView } from '../detail';
import { elapsed, fields, h, replace, since } from '../dom';
import { LogView } from '../log';
import { MetricCharts } from '../metrics';

export function trainingJobPage(p: Page): void {
  const name = p.parts[1];
  const top = h('div'), summary = h('div'), scaleBox = h('div'), conds = h('div'), yaml = h('div');
  const charts = new MetricCharts('trainingjobs', p.ns, name, p.signal);
  const log = new LogView(p.signal, 'Training job log');
  const replicaSelect = h('select', { id: 'replica-select' });
  replicaSelect.addEventListener('change', () => openLog());
  const del = deleteButton(p, 'trainingjobs', name);
  const suspend = patchButton(p, 'Suspend', 'trainingjobs', name, { suspend: true });
  const resume = patchButton(p, 'Resume', 'trainingjobs', name, { suspend: false });
  const actions = h('span', { class: 'actions' });
  replace(p.root, top, summary, scaleBox,
    section('Metrics', charts.el),
    section('Logs', h('div', { class: 'inline' }, h('label', { for: 'replica-select' }, 'Replica '), replicaSelect), log.el),
    section('Conditions', conds),
    section('Events', events(p, 'TrainingJob', name)),
    yaml);

  let replicasShown = -1;
  let wasRunning: boolean | undefined;
  let scaleKey = '';

  function openLog(): void {
    log.open(objPath('trainingjobs', p.ns, name, 'log'), replicaSelect.value ? { replica: replicaSelect.value } : {});
  }

  replace(actions, del);
  replace(top, head(p, 'trainingjobs', undefined, name, [actions]));
  watchObject(p, 'trainingjobs', name, (o) => {
    const phase = o.status?.phase || 'Pending';
    const ended = phase === 'Succeeded' || phase === 'Failed';
    replace(actions, ended ? null : o.spec?.suspend ? resume : suspend, del);
    replace(top, head(p, 'trainingjobs', o, name, [actions]));
    const st = o.status || {};
    replace(summary, fields([
      ['Framework', o.spec?.framework || 'Generic'],
      ['Replicas', `${st.readyReplicas || 0} ready of ${st.replicas ?? o.spec?.replicas ?? 1}` + (st.succeeded ? `, ${st.succeeded} succeeded` : '') + (st.failed ? `, ${st.failed} failed` : '')],
      ['Restarts', st.restarts ? String(st.restarts) : ''],
      ['Elastic', o.spec?.elastic ? `${o.spec.elastic.minReplicas ?? 1} to ${o.spec.elastic.maxReplicas}` : ''],
      ['Started', since(st.startTime, ' ago')],
      ['Duration', elapsed(st.startTime, st.completionTime)],
      ['Last failure', st.lastFailure ? `${st.lastFailure.reason || ''} ${st.lastFailure.message || ''}`.trim() : ''],
      ['Latest metrics', (st.latestMetrics || []).map((m: { name: string; value: number; step?: number }) => `${m.name}=${m.value}`).join(', ')],
    ]));
    const replicas = Number(o.spec?.replicas ?? 1);
    const sk = `${ended}:${replicas}`;
    if (sk !== scaleKey) {
      scaleKey = sk;
      replace(scaleBox, ended ? null : scaleControl(p, 'trainingjobs', name, replicas, { min: o.spec?.elastic?.minReplicas ?? 0, max: o.spec?.elastic?.maxReplicas }));
    }
    if (replicas !== replicasShown) {
      replicasShown = replicas;
      const cur = replicaSelect.value;
      replace(replicaSelect, h('option', { value: '' }, 'All replicas'),
        Array.from({ length: replicas }, (_, i) => h('option', { value: String(i), selected: cur === String(i) }, `replica-${i}`)));
    }
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
    if (wasRunning === undefined) openLog();
    // Re-read the curves while the job runs, and once when it ends.
    if (!ended || wasRunning !== false) void charts.refresh(wasRunning === undefined || ended ? 0 : 3000);
    wasRunning = !ended;
  });
}
