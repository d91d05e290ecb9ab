// The list page of a kind: the server's printer columns (as=Table), live
// through a watch, filtered by label selector (on the server) and phase.

import { LiveTable, TableColumn, TableRow, objPath } from '../api';
import { Page, href } from '../app';
import { h, replace, since } from '../dom';
import { kindInfo } from '../kinds';
import { PHASES, badge } from '../phase';

const COMPARABLE = new Set(['trainingjobs', 'pipelineruns']);

export function listPage(p: Page): void {
  const resource = p.parts[0];
  const info = kindInfo(resource);
  const labelInput = h('input', { type: 'search', id: 'label-filter', placeholder: 'app=mnist,team!=b', value: p.query.get('labels') || '', 'aria-describedby': 'label-help' });
  const phaseSelect = h('select', { id: 'phase-filter' },
    h('option', { value: '' }, 'All phases'), PHASES.map((ph) => h('option', { value: ph, selected: p.query.get('phase') === ph }, ph)));
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'list', 'data-testid': 'list-table' }, h('caption', { class: 'sr-only' }, info.title), thead, tbody);
  const selected = new Set<string>();
  const compareBtn = h('button', { type: 'button', disabled: true, onclick: () => {
    location.hash = href(p.ns, 'compare') + '?items=' + [...selected].map((n) => `${resource}/${n}`).join(',');
  } }, 'Compare selected');

  replace(p.root,
    h('div', { class: 'page-head' }, h('h1', null, info.title), count,
      COMPARABLE.has(resource) ? compareBtn : null,
      h('a', { class: 'button', href: href(p.ns, 'create') + `?kind=${resource}` }, 'Create')),
    h('form', { class: 'filters', role: 'search', onsubmit: (e: Event) => { e.preventDefault(); applyFilters(); } },
      h('label', { for: 'label-filter' }, 'Labels'), labelInput,
      h('label', { for: 'phase-filter' }, 'Phase'), phaseSelect,
      h('button', { type: 'submit' }, 'Filter'),
      h('span', { id: 'label-help', class: 'muted small' }, 'a label selector, as kubectl get -l')),
    h('div', { class: 'table-wrap' }, table));

  function applyFilters(): void {
    const q = new URLSearchParams();
    if (labelInput.value.trim()) q.set('labels', labelInput.value.trim());
    if (phaseSelect.value) q.set('phase', phaseSelect.value);
    const qs = q.toString();
    location.hash = href(p.ns, resource) + (qs ? '?' + qs : '');
  }
  phaseSelect.addEventListener('change', applyFilters);

  const phaseWanted = p.query.get('phase') || '';
  let drawnColumns = '';
  const live = new LiveTable(objPath(resource, p.ns), {
    labelSelector: p.query.get('labels') || undefined,
    onChange: () => {
      p.clearError();
      draw();
      p.ready();
    },
    onError: (e) => p.error(e),
  }, p.signal);

  function phaseColumn(cols: TableColumn[]): number {
    return cols.findIndex((c) => c.name === 'Phase' || c.name === 'Status');
  }

  function draw(): void {
    const cols = live.columns.filter((c) => !c.priority);
    const idx = cols.map((c) => live.columns.indexOf(c));
    const pc = phaseColumn(live.columns);
    const key = cols.map((c) => c.name).join('|');
    if (key !== drawnColumns) {
      drawnColumns = key;
      replace(thead, h('tr', null,
        COMPARABLE.has(resource) ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Select')) : null,
        cols.map((c) => h('th', { scope: 'col', title: c.description || '' }, c.name))));
    }
    let rows = [...live.rows.values()];
    if (phaseWanted && pc >= 0) rows = rows.filter((r) => String(r.cells[pc]) === phaseWanted);
    rows.sort((a, b) => a.object.metadata.name.localeCompare(b.object.metadata.name));
    const frag = document.createDocumentFragment();
    for (const r of rows) frag.appendChild(row(r, cols, idx, pc));
    replace(tbody, frag);
    if (!rows.length) tbody.appendChild(h('tr', null, h('td', { colspan: cols.length + 1, class: 'muted' }, live.rows.size ? 'Nothing matches the filter.' : `No ${info.title.toLowerCase()} in ${p.ns}.`)));
    count.textContent = `${rows.length} of ${live.rows.size}`;
  }

  function row(r: TableRow, cols: TableColumn[], idx: number[], pc: number): HTMLElement {
    const name = r.object.metadata.name;
    const tr = h('tr', { 'data-testid': 'list-row', 'data-name': name });
    if (COMPARABLE.has(resource)) {
      const cb = h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(name) });
      cb.addEventListener('change', () => {
        if (cb.checked) selected.add(name);
        else selected.delete(name);
        compareBtn.disabled = selected.size < 2;
      });
      tr.appendChild(h('td', null, cb));
    }
    cols.forEach((c, i) => {
      const v = r.cells[idx[i]];
      let cell: Node | string;
      if (i === 0 && c.name === 'Name') cell = h('a', { href: href(p.ns, resource, name) }, name);
      else if (idx[i] === pc && v) cell = badge(String(v));
      else if (c.format === 'date' || c.name === 'Age' || c.name === 'Created At') cell = typeof v === 'string' && /^\d{4}-/.test(v) ? since(v) : String(v ?? '');
      else cell = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      tr.appendChild(h('td', null, cell));
    });
    return tr;
  }
}
