// The overview of a namespace: how many objects of each kind are in each
// phase, and the latest failures with their reasons, live.

import { K8sObject, LiveList, objPath } from '../api';
import { Page, href } from '../app';
import { age, h, replace } from '../dom';
import { RUNNING_KINDS, servedKinds } from '../kinds';
import { badge, phaseClass, phaseIcon } from '../phase';

export async function overviewPage(p: Page): Promise<void> {
  const kinds = (await servedKinds()).filter((k) => RUNNING_KINDS.includes(k.resource));
  const cards = h('div', { class: 'cards' });
  const failures = h('tbody');
  replace(p.root,
    h('div', { class: 'page-head' }, h('h1', null, `Overview of ${p.ns}`)),
    h('section', { 'aria-labelledby': 'counts-h' }, h('h2', { id: 'counts-h' }, 'Objects by phase'), cards),
    h('section', { 'aria-labelledby': 'fail-h' }, h('h2', { id: 'fail-h' }, 'Recent failures'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', null, h('tr', null, ['Kind', 'Name', 'Phase', 'Reason', 'Message', 'When'].map((c) => h('th', { scope: 'col' }, c)))),
        failures))));
  const lists = new Map<string, LiveList>();
  const draw = (): void => {
    replace(cards, kinds.map((k) => card(k.resource, k.title, lists.get(k.resource)!)));
    drawFailures();
    if ([...lists.values()].every((l) => l.loaded)) p.ready();
  };
  for (const k of kinds) {
    lists.set(k.resource, new LiveList(objPath(k.resource, p.ns), { onChange: draw, onError: (e) => p.error(e) }, p.signal));
  }
  if (!kinds.length) p.ready();

  function card(resource: string, title: string, l: LiveList): HTMLElement {
    const counts = new Map<string, number>();
    for (const o of l.items.values()) {
      const ph = o.status?.phase || 'Pending';
      counts.set(ph, (counts.get(ph) || 0) + 1);
    }
    return h('article', { class: 'card', 'data-testid': 'kind-card', 'data-kind': resource },
      h('h3', null, h('a', { href: href(p.ns, resource) }, title), ' ', h('span', { class: 'muted' }, String(l.items.size))),
      l.loaded ? null : h('p', { class: 'muted' }, 'Loading…'),
      h('ul', { class: 'phase-counts', role: 'list' }, [...counts.entries()].sort().map(([ph, n]) =>
        h('li', null, h('a', { href: href(p.ns, resource) + `?phase=${encodeURIComponent(ph)}`, class: `badge ${phaseClass(ph)}`, 'data-phase': ph, 'data-count': n },
          h('span', { 'aria-hidden': 'true' }, phaseIcon(ph)), ` ${ph} ${n}`)))));
  }

  function drawFailures(): void {
    const rows: { resource: string; o: K8sObject; reason: string; message: string; when: string }[] = [];
    for (const [resource, l] of lists) {
      for (const o of l.items.values()) {
        if (o.status?.phase !== 'Failed') continue;
        const c = failedCondition(o);
        rows.push({
          resource, o,
          reason: c?.reason || o.status?.lastFailure?.reason || '',
          message: c?.message || o.status?.lastFailure?.message || o.status?.message || '',
          when: o.status?.completionTime || c?.lastTransitionTime || o.metadata.creationTimestamp || '',
        });
      }
    }
    rows.sort((a, b) => b.when.localeCompare(a.when));
    replace(failures, rows.slice(0, 20).map((r) => h('tr', { 'data-testid': 'failure-row', 'data-name': r.o.metadata.name },
      h('td', null, r.o.kind || r.resource),
      h('td', null, h('a', { href: href(p.ns, r.resource, r.o.metadata.name) }, r.o.metadata.name)),
      h('td', null, badge('Failed')),
      h('td', null, r.reason),
      h('td', { class: 'message' }, r.message),
      h('td', { title: r.when }, r.when ? age(r.when) + ' ago' : ''))));
    if (!rows.length) failures.appendChild(h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No failures.')));
  }
}

// failedCondition is the condition that says why an object failed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function failedCondition(o: K8sObject): any {
  const cs = (o.status?.conditions || []) as { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  return cs.find((c) => c.type === 'Failed' && c.status === 'True')
    || cs.find((c) => c.status === 'False' && (c.type === 'Succeeded' || c.type === 'Ready' || c.type === 'Complete'))
    || cs.find((c) => c.status === 'True' && /fail/i.test(c.reason || ''));
}
