// The Model and Notebook pages: where they are served, readiness, the
// canary split, scale; notebooks open in a new tab and stop or start.

import { K8sObject } from '../api';
import { Page } from '../app';
import { conditions, deleteButton, events, head, patchButton, scaleControl, section, watchObject, yamlView } from '../detail';
import { LogView } from '../log';
import { fields, h, replace, since } from '../dom';
import { objPath } from '../api';

function link(url: string | undefined, label = url): HTMLElement | string {
  if (!url) return '';
  return /^https?:\/\//.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, label || url) : url;
}

export function modelPage(p: Page): void {
  const name = p.parts[1];
  const top = h('div'), summary = h('div'), scaleBox = h('div'), conds = h('div'), yaml = h('div');
  const del = deleteButton(p, 'models', name);
  const log = new LogView(p.signal, 'Model server log', false);
  replace(p.root, top, summary, scaleBox, section('Conditions', conds), section('Logs', log.el), section('Events', events(p, 'Model', name)), yaml);
  let replicas = -1;
  let first = true;
  replace(top, head(p, 'models', undefined, name, [del]));
  watchObject(p, 'models', name, (o: K8sObject) => {
    const st = o.status || {};
    replace(top, head(p, 'models', o, name, [del]));
    const canary = o.spec?.canary;
    replace(summary, fields([
      ['URL', link(st.url)],
      ['Ready', `${st.readyReplicas || 0} of ${st.replicas ?? o.spec?.replicas ?? 1} replicas ready`],
      ['Canary', canary ? h('span', { 'data-testid': 'canary' }, `${canary.trafficPercent}% of traffic to the canary (${st.canaryReplicas || 0} replicas), ${100 - canary.trafficPercent}% to the main model`,
        h('span', { class: 'split', role: 'img', 'aria-label': `canary ${canary.trafficPercent}%` }, h('span', { class: 'split-main', style: { width: `${100 - canary.trafficPercent}%` } }), h('span', { class: 'split-canary', style: { width: `${canary.trafficPercent}%` } }))) : 'none'],
      ['Source', o.spec?.source?.uri || (o.spec?.source?.trainingJobRef ? `trainingjob ${o.spec.source.trainingJobRef.name}` : '') || st.source?.uri || ''],
      ['Format', o.spec?.format || ''],
      ['Runtime', st.runtime ? JSON.stringify(st.runtime) : ''],
      ['Created', since(o.metadata.creationTimestamp, ' ago')],
    ]));
    const want = Number(o.spec?.replicas ?? 1);
    if (want !== replicas) {
      replicas = want;
      replace(scaleBox, scaleControl(p, 'models', name, want));
    }
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
    if (first) log.open(objPath('models', p.ns, name, 'log'), { tailLines: '200' });
    first = false;
  });
}

export function notebookPage(p: Page): void {
  const name = p.parts[1];
  const top = h('div'), summary = h('div'), conds = h('div'), yaml = h('div');
  const del = deleteButton(p, 'notebooks', name);
  const stop = patchButton(p, 'Stop', 'notebooks', name, { stopped: true });
  const start = patchButton(p, 'Start', 'notebooks', name, { stopped: false });
  const actions = h('span', { class: 'actions' });
  replace(p.root, top, summary, section('Conditions', conds), section('Events', events(p, 'Notebook', name)), yaml);
  replace(actions, del);
  replace(top, head(p, 'notebooks', undefined, name, [actions]));
  watchObject(p, 'notebooks', name, (o: K8sObject) => {
    const st = o.status || {};
    const open = st.url && st.phase === 'Running' ? h('a', { class: 'button primary', href: st.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open') : null;
    replace(actions, open, o.spec?.stopped ? start : stop, del);
    replace(top, head(p, 'notebooks', o, name, [actions]));
    replace(summary, fields([
      ['URL', link(st.url)],
      ['Image', o.spec?.image || ''],
      ['Workspace', o.spec?.workspace?.size || ''],
      ['Stopped', o.spec?.stopped ? 'yes' : 'no'],
      ['Last activity', since(st.lastActivityTime, ' ago')],
      ['Idle timeout', o.spec?.idleTimeout || ''],
    ]));
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
  });
}
