// The TuningJob page: the trials (sortable), the objective over trials,
// the objective against a chosen parameter, the best trial highlighted,
// and a compare link for the selected trials.

import { K8sObject } from '../api';
import { Page, href } from '../app';
import { fmt, lineChart, scatter } from '../chart';
import { conditions, deleteButton, events, head, section, watchObject, yamlView } from '../detail';
import { age, duration, fields, h, replace } from '../dom';
import { badge } from '../phase';

interface Trial { name: string; phase?: string; parameters?: { name: string; value: string }[]; objectiveValue?: number; step?: number; message?: string }

export function tuningJobPage(p: Page): void {
  const name = p.parts[1];
  const top = h('div'), summary = h('div'), trialsBox = h('div'), plots = h('div', { class: 'plots' }), conds = h('div'), yaml = h('div');
  const del = deleteButton(p, 'tuningjobs', name);
  replace(p.root, top, summary,
    section('Trials', trialsBox),
    section('Objective', plots),
    section('Conditions', conds),
    section('Events', events(p, 'TuningJob', name)),
    yaml);

  let sortKey = 'index';
  let sortAsc = true;
  let job: K8sObject | undefined;
  const selected = new Set<string>();
  let paramShown = '';
  let destroyChart: (() => void) | undefined;
  p.signal.addEventListener('abort', () => destroyChart?.());

  replace(top, head(p, 'tuningjobs', undefined, name, [del]));
  watchObject(p, 'tuningjobs', name, (o) => {
    job = o;
    replace(top, head(p, 'tuningjobs', o, name, [del]));
    const st = o.status || {};
    const obj = o.spec?.objective || {};
    replace(summary, fields([
      ['Objective', `${obj.goal || ''} ${obj.metric || ''}`.trim()],
      ['Algorithm', o.spec?.algorithm?.name || ''],
      ['Trials', `${st.trialsCreated || 0} created of ${o.spec?.maxTrials ?? '?'}; ${st.running || 0} running, ${st.succeeded || 0} succeeded, ${st.failed || 0} failed, ${st.earlyStopped || 0} stopped early`],
      ['Best trial', st.bestTrial ? h('span', null, h('a', { href: href(p.ns, 'trainingjobs', st.bestTrial.name) }, st.bestTrial.name), ` ${obj.metric || 'objective'}=${st.bestTrial.objectiveValue ?? ''} `,
        (st.bestTrial.parameters || []).map((x: { name: string; value: string }) => h('code', null, `${x.name}=${x.value} `))) : ''],
      ['Started', st.startTime ? `${age(st.startTime)} ago` : ''],
      ['Duration', duration(st.startTime, st.completionTime)],
    ]));
    drawTrials();
    drawPlots();
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
  });

  function trials(): (Trial & { index: number })[] {
    return ((job?.status?.trials || []) as Trial[]).map((t, i) => ({ ...t, index: i }));
  }

  function paramNames(): string[] {
    return ((job?.spec?.parameters || []) as { name: string }[]).map((x) => x.name);
  }

  function value(t: Trial & { index: number }, key: string): string | number {
    if (key === 'index') return t.index;
    if (key === 'name') return t.name;
    if (key === 'phase') return t.phase || '';
    if (key === 'objective') return t.objectiveValue ?? Number.NaN;
    if (key === 'step') return t.step ?? 0;
    const pv = t.parameters?.find((x) => x.name === key)?.value;
    const n = Number(pv);
    return pv !== undefined && pv !== '' && !Number.isNaN(n) ? n : pv ?? '';
  }

  function drawTrials(): void {
    const best = job?.status?.bestTrial?.name;
    const metric = job?.spec?.objective?.metric || 'objective';
    const cols: [string, string][] = [['index', '#'], ['name', 'Trial'], ['phase', 'Phase'], ...paramNames().map((n) => [n, n] as [string, string]), ['objective', metric], ['step', 'Step']];
    const rows = trials().sort((a, b) => {
      const x = value(a, sortKey), y = value(b, sortKey);
      let c: number;
      if (typeof x === 'number' && typeof y === 'number') c = (Number.isNaN(x) ? Infinity : x) - (Number.isNaN(y) ? Infinity : y);
      else c = String(x).localeCompare(String(y));
      return sortAsc ? c : -c;
    });
    const compare = h('button', { type: 'button', disabled: selected.size < 2, onclick: () => {
      location.hash = href(p.ns, 'compare') + '?items=' + [...selected].map((n) => `trainingjobs/${n}`).join(',');
    } }, 'Compare selected');
    replace(trialsBox,
      h('div', { class: 'toolbar' }, compare, h('span', { class: 'muted small' }, 'Select trials to compare their parameters and curves.')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'trials-table' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Select')), cols.map(([k, label]) => {
          const sorted = sortKey === k;
          return h('th', { scope: 'col', 'aria-sort': sorted ? (sortAsc ? 'ascending' : 'descending') : 'none' },
            h('button', { type: 'button', class: 'sort', onclick: () => { if (sortKey === k) sortAsc = !sortAsc; else { sortKey = k; sortAsc = true; } drawTrials(); } },
              label, sorted ? (sortAsc ? ' ▲' : ' ▼') : ''));
        }))),
        h('tbody', null, rows.map((t) => {
          const cb = h('input', { type: 'checkbox', 'aria-label': `Select ${t.name}`, checked: selected.has(t.name) });
          cb.addEventListener('change', () => { if (cb.checked) selected.add(t.name); else selected.delete(t.name); compare.disabled = selected.size < 2; });
          return h('tr', { 'data-testid': 'trial-row', 'data-name': t.name, class: t.name === best ? 'best' : '', 'aria-label': t.name === best ? `${t.name}, best trial` : null },
            h('td', null, cb),
            h('td', null, String(t.index)),
            h('td', null, h('a', { href: href(p.ns, 'trainingjobs', t.name) }, t.name), t.name === best ? h('span', { class: 'best-mark', title: 'best trial' }, ' ★ best') : null),
            h('td', null, badge(t.phase || 'Pending')),
            paramNames().map((n) => h('td', null, String(t.parameters?.find((x) => x.name === n)?.value ?? ''))),
            h('td', null, t.objectiveValue === undefined ? '' : fmt(t.objectiveValue)),
            h('td', null, t.step ? String(t.step) : ''));
        })))));
  }

  function drawPlots(): void {
    const metric = job?.spec?.objective?.metric || 'objective';
    const best = job?.status?.bestTrial?.name;
    const ts = trials().filter((t) => t.objectiveValue !== undefined && t.objectiveValue !== null);
    destroyChart?.();
    if (!ts.length) {
      replace(plots, h('p', { class: 'muted' }, 'No trial has reported its objective yet.'));
      return;
    }
    const over = lineChart([{ name: metric, points: ts.map((t) => ({ step: t.index, value: t.objectiveValue! })) }], { title: `${metric} by trial`, xLabel: 'trial', points: true, height: 240 });
    destroyChart = over.destroy;
    const numeric = paramNames().filter((n) => ts.some((t) => !Number.isNaN(Number(t.parameters?.find((x) => x.name === n)?.value))));
    if (!numeric.includes(paramShown)) paramShown = numeric[0] || '';
    const select = h('select', { id: 'param-select' }, numeric.map((n) => h('option', { value: n, selected: n === paramShown }, n)));
    select.addEventListener('change', () => { paramShown = select.value; drawPlots(); });
    const spec = ((job?.spec?.parameters || []) as { name: string; scale?: string }[]).find((x) => x.name === paramShown);
    const pts = ts.map((t) => ({ x: Number(t.parameters?.find((x) => x.name === paramShown)?.value), y: t.objectiveValue!, label: t.name, best: t.name === best })).filter((q) => !Number.isNaN(q.x));
    replace(plots, h('div', { class: 'plot' }, over.el),
      paramShown ? h('div', { class: 'plot' }, h('label', { for: 'param-select' }, `${metric} against `), select,
        h('div', { 'data-testid': 'param-scatter' }, scatter(pts, paramShown, metric, spec?.scale === 'log'))) : null);
  }
}
