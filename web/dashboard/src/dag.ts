// The run graph: a PipelineRun's tasks laid out in layers with dagre and
// drawn as SVG. A forEach task is one stacked node with its instance
// counts; the tasks of a nested pipeline (<task>.<inner>) are one node
// that opens into a box of its tasks. Each node shows its phase as an
// icon and a word besides the colour, and is a button (Tab, Enter).

import { graphlib, layout } from '@dagrejs/dagre';
import { Child, s } from './dom';
import { phaseClass, phaseIcon } from './phase';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskSpec = { name: string; dependsOn?: string[]; forEach?: unknown; [k: string]: any };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskStatus = { name: string; phase?: string; reason?: string; message?: string; instances?: Record<string, any>; [k: string]: any };

export interface DagTask { name: string; deps: string[]; finally: boolean; forEach: boolean }

// tasksOf reads the tasks and their dependencies from a pipeline spec:
// dependsOn, and every reference to another task (outputs in args, env,
// when expressions, forEach.from; artifact inputs' from).
export function tasksOf(spec: { tasks?: TaskSpec[]; finally?: TaskSpec[] } | undefined): DagTask[] {
  const all = [...(spec?.tasks || []).map((t) => [t, false] as const), ...(spec?.finally || []).map((t) => [t, true] as const)];
  const names = new Set(all.map(([t]) => t.name));
  const groups = new Set([...names].filter((n) => n.includes('.')).map((n) => n.split('.')[0]));
  const resolve = (ref: string): string[] => {
    // ref is what follows "tasks." up to the next non-name character:
    // the longest prefix that is a task (or a nested pipeline's task) wins.
    const segs = ref.split('.');
    for (let i = segs.length; i > 0; i--) {
      const cand = segs.slice(0, i).join('.');
      if (names.has(cand)) return [cand];
      if (groups.has(cand)) return [...names].filter((n) => n.startsWith(cand + '.'));
    }
    return [];
  };
  return all.map(([t, fin]) => {
    const deps = new Set<string>();
    for (const d of t.dependsOn || []) for (const r of resolve(d)) deps.add(r);
    const { name, ...rest } = t;
    const text = JSON.stringify(rest);
    for (const m of text.matchAll(/tasks\.([A-Za-z0-9_.-]+)/g)) for (const r of resolve(m[1])) deps.add(r);
    for (const a of t.artifacts?.inputs || []) {
      if (typeof a.from === 'string') for (const r of resolve(a.from.split(/[/]/)[0])) deps.add(r);
    }
    deps.delete(name);
    return { name, deps: [...deps], finally: fin, forEach: !!t.forEach };
  });
}

export interface DagOptions {
  statuses: Map<string, TaskStatus>;
  expanded: Set<string>;
  selected?: string;
  onSelect: (node: string) => void;
  onToggle: (group: string) => void;
}

const NODE_W = 200, NODE_H = 54;

export function groupOf(name: string): string {
  const i = name.indexOf('.');
  return i < 0 ? '' : name.slice(0, i);
}

// aggregate is the phase of a group of tasks.
export function aggregate(phases: string[]): string {
  if (!phases.length) return 'Pending';
  const has = (p: string): boolean => phases.includes(p);
  if (has('Failed')) return 'Failed';
  if (has('Running')) return 'Running';
  if (has('Canceled')) return 'Canceled';
  if (has('Pending')) return phases.some((p) => p !== 'Pending') ? 'Running' : 'Pending';
  if (phases.every((p) => p === 'Skipped')) return 'Skipped';
  return 'Succeeded';
}

interface Node { id: string; label: string; phase: string; kind: 'task' | 'foreach' | 'group'; sub: string; inGroup?: string }

// Graph is a laid-out run graph. update() recolours the nodes when only
// phases changed; a change of structure needs a new Graph.
export class Graph {
  readonly svg: SVGSVGElement;
  readonly key: string;
  private nodeEls = new Map<string, SVGGElement>();
  layoutMs = 0;

  constructor(private tasks: DagTask[], private opts: DagOptions) {
    this.key = Graph.keyOf(tasks, opts.expanded);
    const t0 = performance.now();
    this.svg = this.build();
    this.layoutMs = performance.now() - t0;
  }

  static keyOf(tasks: DagTask[], expanded: Set<string>): string {
    return tasks.map((t) => t.name + ':' + t.deps.join(',')).join(';') + '|' + [...expanded].sort().join(',');
  }

  private visible(name: string): string {
    const g = groupOf(name);
    return g && !this.opts.expanded.has(g) ? g : name;
  }

  private nodes(): Map<string, Node> {
    const out = new Map<string, Node>();
    const groupMembers = new Map<string, string[]>();
    for (const t of this.tasks) {
      const g = groupOf(t.name);
      if (g) groupMembers.set(g, [...(groupMembers.get(g) || []), t.name]);
    }
    for (const t of this.tasks) {
      const id = this.visible(t.name);
      if (out.has(id)) continue;
      if (id !== t.name) {
        const members = groupMembers.get(id)!;
        const phases = members.map((m) => this.opts.statuses.get(m)?.phase || 'Pending');
        const done = phases.filter((p) => p === 'Succeeded').length;
        out.set(id, { id, label: id, phase: this.opts.statuses.get(id)?.phase || aggregate(phases), kind: 'group', sub: `${done}/${members.length} done` });
        continue;
      }
      const st = this.opts.statuses.get(t.name);
      const phase = st?.phase || 'Pending';
      let sub = phase;
      if (t.forEach) {
        const i = st?.instances;
        sub = i ? `${i.succeeded || 0}/${i.total} done${i.failed ? `, ${i.failed} ✗` : i.running ? `, ${i.running} ▶` : ''}` : 'forEach';
      }
      out.set(id, { id, label: groupOf(t.name) ? t.name.slice(groupOf(t.name).length + 1) : t.name, phase, kind: t.forEach ? 'foreach' : 'task', sub, inGroup: groupOf(t.name) || undefined });
    }
    return out;
  }

  private build(): SVGSVGElement {
    const g = new graphlib.Graph({ compound: true, multigraph: false });
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(() => ({}));
    const nodes = this.nodes();
    for (const n of nodes.values()) g.setNode(n.id, { width: NODE_W, height: NODE_H });
    const expandedGroups = new Set([...nodes.values()].filter((n) => n.inGroup).map((n) => n.inGroup!));
    for (const grp of expandedGroups) {
      g.setNode('group:' + grp, { label: grp, paddingTop: 28 });
      for (const n of nodes.values()) if (n.inGroup === grp) g.setParent(n.id, 'group:' + grp);
    }
    const edges = new Map<string, { dashed: boolean }>();
    const main = this.tasks.filter((t) => !t.finally);
    const sinks = main.filter((t) => !main.some((o) => o.deps.includes(t.name)));
    for (const t of this.tasks) {
      const to = this.visible(t.name);
      const deps = t.finally && !t.deps.length ? sinks.map((x) => x.name) : t.deps;
      for (const d of deps) {
        const from = this.visible(d);
        if (from !== to) edges.set(from + '\u0000' + to, { dashed: t.finally });
      }
    }
    for (const [k] of edges) {
      const [from, to] = k.split('\u0000');
      g.setEdge(from, to);
    }
    layout(g);
    const gg = g.graph();
    const width = Math.ceil(gg.width || NODE_W), height = Math.ceil(gg.height || NODE_H);
    const svg = s('svg', { class: 'dag', 'data-testid': 'dag', role: 'group', 'aria-label': `Run graph, ${nodes.size} nodes`, viewBox: `0 0 ${width} ${height}`, width, height }) as SVGSVGElement;
    svg.appendChild(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
    for (const grp of expandedGroups) {
      const b = g.node('group:' + grp);
      svg.appendChild(s('g', { class: 'cluster' },
        s('rect', { x: b.x - b.width / 2, y: b.y - b.height / 2, width: b.width, height: b.height, rx: 8 }),
        this.toggleButton(grp, b.x - b.width / 2 + 8, b.y - b.height / 2 + 4, true)));
    }
    const edgeLayer = s('g', { class: 'edges' });
    for (const [k, v] of edges) {
      const [from, to] = k.split('\u0000');
      const e = g.edge(from, to);
      if (!e?.points) continue;
      const d = 'M' + e.points.map((p: { x: number; y: number }) => `${p.x},${p.y}`).join(' L');
      edgeLayer.appendChild(s('path', { d, class: v.dashed ? 'edge dashed' : 'edge', 'marker-end': 'url(#arrow)' }));
    }
    svg.appendChild(edgeLayer);
    for (const n of nodes.values()) {
      const p = g.node(n.id);
      const el = this.node(n, p.x - NODE_W / 2, p.y - NODE_H / 2);
      this.nodeEls.set(n.id, el);
      svg.appendChild(el);
    }
    return svg;
  }

  private toggleButton(grp: string, x: number, y: number, open: boolean): SVGElement {
    const el = s('g', { class: 'toggle', tabindex: 0, role: 'button', 'aria-expanded': String(open), 'aria-label': `${open ? 'Collapse' : 'Expand'} nested pipeline ${grp}`, 'data-testid': 'dag-toggle', 'data-group': grp, transform: `translate(${x},${y})` },
      s('rect', { width: 20, height: 20, rx: 4 }), s('text', { x: 10, y: 15, 'text-anchor': 'middle' }, open ? '−' : '+'),
      s('text', { x: 26, y: 15, class: 'cluster-label' }, grp));
    const act = (e: Event): void => { e.stopPropagation(); this.opts.onToggle(grp); };
    el.addEventListener('click', act);
    el.addEventListener('keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter' || (e as KeyboardEvent).key === ' ') { e.preventDefault(); act(e); } });
    return el;
  }

  private node(n: Node, x: number, y: number): SVGGElement {
    const children: Child[] = [];
    if (n.kind === 'foreach' || n.kind === 'group') {
      children.push(s('rect', { x: 8, y: -8, width: NODE_W, height: NODE_H, rx: 6, class: 'stack' }));
      children.push(s('rect', { x: 4, y: -4, width: NODE_W, height: NODE_H, rx: 6, class: 'stack' }));
    }
    const label = n.label.length > 24 ? n.label.slice(0, 23) + '…' : n.label;
    children.push(
      s('rect', { width: NODE_W, height: NODE_H, rx: 6, class: 'box' }),
      s('text', { x: 10, y: 21, class: 'name' }, s('title', null, n.id), label),
      s('text', { x: 10, y: 41, class: 'sub' }, s('tspan', { class: 'icon', 'aria-hidden': 'true' }, phaseIcon(n.phase) + ' '), s('tspan', { class: 'subtext' }, n.kind === 'task' ? n.phase : `${n.phase} · ${n.sub}`)));
    const el = s('g', {
      class: `node ${phaseClass(n.phase)}${this.opts.selected === n.id ? ' selected' : ''}`,
      transform: `translate(${x},${y})`,
      tabindex: 0, role: 'button',
      'data-testid': 'dag-node', 'data-task': n.id, 'data-phase': n.phase, 'data-kind': n.kind,
      'aria-label': `${n.kind === 'group' ? 'Nested pipeline' : n.kind === 'foreach' ? 'forEach task' : 'Task'} ${n.id}: ${n.phase}${n.kind === 'task' ? '' : ', ' + n.sub}`,
      'aria-pressed': String(this.opts.selected === n.id),
    }, children) as SVGGElement;
    const act = (): void => this.opts.onSelect(n.id);
    el.addEventListener('click', act);
    el.addEventListener('keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter' || (e as KeyboardEvent).key === ' ') { e.preventDefault(); act(); } });
    if (n.kind === 'group') el.addEventListener('dblclick', () => this.opts.onToggle(n.id));
    return el;
  }

  // update recolours the nodes after a status change, and marks the selection.
  update(opts: DagOptions): void {
    this.opts = opts;
    const nodes = this.nodes();
    for (const [id, n] of nodes) {
      const el = this.nodeEls.get(id);
      if (!el) continue;
      const sel = opts.selected === id;
      el.setAttribute('class', `node ${phaseClass(n.phase)}${sel ? ' selected' : ''}`);
      el.setAttribute('data-phase', n.phase);
      el.setAttribute('aria-pressed', String(sel));
      el.setAttribute('aria-label', `${n.kind === 'group' ? 'Nested pipeline' : n.kind === 'foreach' ? 'forEach task' : 'Task'} ${n.id}: ${n.phase}${n.kind === 'task' ? '' : ', ' + n.sub}`);
      const icon = el.querySelector('tspan.icon');
      if (icon) icon.textContent = phaseIcon(n.phase) + ' ';
      const sub = el.querySelector('tspan.subtext');
      if (sub) sub.textContent = n.kind === 'task' ? n.phase : `${n.phase} · ${n.sub}`;
    }
  }
}
