// The compare page: runs, jobs and trials side by side — their parameters
// and final metrics in one table, and a chosen metric's curves overlaid.

import { K8sObject, errorText, getJSON, objPath } from '../api';
import { Page, href } from '../app';
import { Series, fmt, lineChart } from '../chart';
import { h, replace } from '../dom';
import { fetchMetrics } from '../metrics';
import { badge } from '../phase';

// ENDED are the phases after which an object's row and curves no longer change.
const ENDED = new Set(['Succeeded', 'Failed', 'Completed', 'Cancelled', 'Canceled', 'Skipped']);

// REFRESH_MS is how often the page reads running objects again.
const REFRESH_MS = 5000;

export async function comparePage(p: Page): Promise<void> {
  const items = (p.query.get('items') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const input = h('input', { type: 'text', id: 'compare-items', value: items.join(','), size: 60, placeholder: 'trainingjobs/a,trainingjobs/b,pipelineruns/c' });
  const form = h('form', { class: 'filters', onsubmit: (e: Event) => { e.preventDefault(); location.hash = href(p.ns, 'compare') + '?items=' + encodeURIComponent(input.value.replace(/\s+/g, '')); } },
    h('label', { for: 'compare-items' }, 'Compare'), input, h('button', { type: 'submit' }, 'Compare'));
  const table = h('div'), chartBox = h('div');
  replace(p.root, h('div', { class: 'page-head' }, h('h1', null, 'Compare')), form,
    h('p', { class: 'muted small' }, 'Select objects on the Training jobs, Pipeline runs or a TuningJob page, or list KIND/NAME here.'), table, chartBox);
  if (!items.length) {
    p.ready();
    return;
  }
  const objs: { ref: string; resource: string; name: string; o?: K8sObject; series: Series[]; err?: string }[] = items.map((ref) => {
    const [resource, name] = ref.includes('/') ? ref.split('/', 2) : ['trainingjobs', ref];
    return { ref, resource, name, series: [] };
  });
  const select = h('select', { id: 'metric-select' });
  select.addEventListener('change', () => drawChart());
  let destroy: (() => void) | undefined;
  p.signal.addEventListener('abort', () => destroy?.());
  const chartHolder = h('div');
  const drawChart = (): void => {
    destroy?.();
    const n = select.value;
    const c = lineChart(objs.map((x) => ({ name: x.ref, points: x.series.find((s) => s.name === n)?.points || [] })), { title: `${n}, overlaid` });
    destroy = c.destroy;
    replace(chartHolder, c.el);
  };
  // The page reads every object and its series, draws them, and reads
  // again every few seconds while any of them still runs (each read is a
  // get and a metrics read per object: no watch is held, so comparing many
  // objects never takes the browser's few connections from other pages).
  const load = async (): Promise<void> => {
    await Promise.all(objs.map(async (x) => {
      try {
        x.o = await getJSON(objPath(x.resource, p.ns, x.name), { signal: p.signal });
        x.err = undefined;
        const m = await fetchMetrics(x.resource, p.ns, x.name, {}, p.signal).catch(() => ({ series: [] }));
        x.series = (m.series || []).map((s) => ({ name: (s.task ? s.task + '/' : '') + s.name, points: s.points || [] }));
      } catch (e) {
        x.err = errorText(e);
      }
    }));
  };
  const render = (): void => {
    // Parameters: a trial's, a run's params, a job's env; then final metrics.
    const params = objs.map((x) => paramsOf(x.o));
    const paramNames = [...new Set(params.flatMap((m) => [...m.keys()]))].sort();
    const metricNames = [...new Set(objs.flatMap((x) => x.series.map((s) => s.name)))].sort();
    const differs = (vals: string[]): boolean => new Set(vals).size > 1;
    const row = (label: string, vals: (Node | string)[], diff = false): HTMLElement =>
      h('tr', { class: diff ? 'differs' : '' }, h('th', { scope: 'row' }, label, diff ? h('span', { class: 'sr-only' }, ' (differs)') : null), vals.map((v) => h('td', null, v)));
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'list compare', 'data-testid': 'compare-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, ''), objs.map((x) => h('th', { scope: 'col' }, h('a', { href: href(p.ns, x.resource, x.name) }, x.ref))))),
      h('tbody', null,
        row('Phase', objs.map((x) => (x.err ? x.err : badge(x.o?.status?.phase || 'Pending')))),
        paramNames.map((n) => { const v = params.map((m) => m.get(n) ?? ''); return row(n, v, differs(v)); }),
        metricNames.map((n) => {
          const v = objs.map((x) => { const s = x.series.find((q) => q.name === n); const last = s?.points[s.points.length - 1]; return last ? fmt(last.value) : ''; });
          return row(`${n} (last)`, v, differs(v));
        })))));
    if (!metricNames.length) return;
    const chosen = select.value || (metricNames.includes('loss') ? 'loss' : metricNames[0]);
    replace(select, metricNames.map((n) => h('option', { value: n, selected: n === chosen }, n)));
    select.value = metricNames.includes(chosen) ? chosen : metricNames[0];
    if (!chartBox.firstChild) {
      replace(chartBox, h('section', { 'aria-labelledby': 'curves-h' }, h('h2', { id: 'curves-h' }, 'Curves'), h('label', { for: 'metric-select' }, 'Metric '), select, chartHolder));
    }
    drawChart();
  };
  await load();
  render();
  const running = (): boolean => objs.some((x) => !x.err && !ENDED.has(x.o?.status?.phase || ''));
  const again = async (): Promise<void> => {
    while (!p.signal.aborted && running()) {
      await new Promise((r) => setTimeout(r, REFRESH_MS));
      if (p.signal.aborted) return;
      await load();
      if (!p.signal.aborted) render();
    }
  };
  void again();
  p.ready();
}

function paramsOf(o: K8sObject | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!o) return m;
  const trial = o.metadata.annotations?.['ml.example.io/trial-parameters'];
  if (trial) {
    try {
      const v = JSON.parse(trial);
      if (Array.isArray(v)) for (const x of v) m.set(x.name, String(x.value));
      else for (const [k, x] of Object.entries(v)) m.set(k, String(x));
    } catch {
      m.set('trial', trial);
    }
  }
  for (const x of (o.status?.params || o.spec?.params || []) as { name: string; value: string }[]) m.set(x.name, x.value);
  for (const e of (o.spec?.env || []) as { name: string; value?: string }[]) if (e.value !== undefined) m.set(`env ${e.name}`, e.value);
  if (o.spec?.replicas !== undefined) m.set('replicas', String(o.spec.replicas));
  return m;
}
