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

const NODE_W = 200, NODE_H = 54, NODE_SEP = 18, RANK_SEP = 56, MARGIN = 16;

// DAGRE_MAX_NODES is the largest graph laid out by dagre.
const DAGRE_MAX_NODES = 150;

interface Point { x: number; y: number }
interface Layout {
  kind: string;
  width: number;
  height: number;
  nodes: Map<string, Point>; // centres
  clusters: Map<string, { x: number; y: number; w: number; h: number }>;
  edges: Map<string, Point[]>;
}

function dagreLayout(nodes: Map<string, Node>, edges: Map<string, { from: string; to: string }>, groups: Set<string>): Layout {
  const g = new graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: NODE_SEP, ranksep: RANK_SEP, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes.values()) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const grp of groups) {
    g.setNode('group:' + grp, { label: grp, paddingTop: 28 });
    for (const n of nodes.values()) if (n.inGroup === grp) g.setParent(n.id, 'group:' + grp);
  }
  for (const e of edges.values()) g.setEdge(e.from, e.to);
  layout(g);
  const gg = g.graph();
  const out: Layout = { kind: 'dagre', width: Math.ceil(gg.width || NODE_W), height: Math.ceil(gg.height || NODE_H), nodes: new Map(), clusters: new Map(), edges: new Map() };
  for (const n of nodes.values()) {
    const p = g.node(n.id);
    out.nodes.set(n.id, { x: p.x, y: p.y });
  }
  for (const grp of groups) {
    const b = g.node('group:' + grp);
    out.clusters.set(grp, { x: b.x - b.width / 2, y: b.y - b.height / 2, w: b.width, h: b.height });
  }
  for (const [k, e] of edges) out.edges.set(k, (g.edge(e.from, e.to)?.points || []) as Point[]);
  return out;
}

// layeredLayout is a plain Sugiyama-style layout in linear time per sweep:
// each node's layer is its longest path from a source, nodes of a layer
// are ordered by the mean position of their neighbours (a few sweeps each
// way), and edges are straight. Nested groups are boxes around their nodes.
function layeredLayout(nodes: Map<string, Node>, edges: Map<string, { from: string; to: string }>, groups: Set<string>): Layout {
  const ids = [...nodes.keys()];
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges.values()) {
    succs.get(e.from)?.push(e.to);
    preds.get(e.to)?.push(e.from);
  }
  // Layers by longest path (Kahn's order; a cycle, which the server
  // refuses anyway, leaves its nodes in layer 0).
  const rank = new Map<string, number>(ids.map((id) => [id, 0]));
  const indeg = new Map<string, number>(ids.map((id) => [id, preds.get(id)!.length]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const s2 of succs.get(id)!) {
      rank.set(s2, Math.max(rank.get(s2)!, rank.get(id)! + 1));
      indeg.set(s2, indeg.get(s2)! - 1);
      if (indeg.get(s2) === 0) queue.push(s2);
    }
  }
  const layers: string[][] = [];
  for (const id of ids) (layers[rank.get(id)!] ||= []).push(id);
  const pos = new Map<string, number>();
  const index = (): void => layers.forEach((l) => l.forEach((id, i) => pos.set(id, i)));
  index();
  const sweep = (layer: string[], nb: Map<string, string[]>): void => {
    const key = new Map<string, number>();
    for (const id of layer) {
      const ns = nb.get(id)!;
      key.set(id, ns.length ? ns.reduce((a, n) => a + pos.get(n)!, 0) / ns.length : pos.get(id)!);
    }
    layer.sort((a, b) => key.get(a)! - key.get(b)!);
    layer.forEach((id, i) => pos.set(id, i));
  };
  for (let it = 0; it < 4; it++) {
    for (let r = 1; r < layers.length; r++) if (layers[r]) sweep(layers[r], preds);
    for (let r = layers.length - 2; r >= 0; r--) if (layers[r]) sweep(layers[r], succs);
  }
  const tallest = Math.max(...layers.map((l) => (l ? l.length : 0)));
  const height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * NODE_SEP;
  const out: Layout = { kind: 'layered', width: MARGIN * 2 + layers.length * NODE_W + (layers.length - 1) * RANK_SEP, height, nodes: new Map(), clusters: new Map(), edges: new Map() };
  layers.forEach((l, r) => {
    if (!l) return;
    const top = (height - (l.length * NODE_H + (l.length - 1) * NODE_SEP)) / 2;
    l.forEach((id, i) => out.nodes.set(id, { x: MARGIN + r * (NODE_W + RANK_SEP) + NODE_W / 2, y: top + i * (NODE_H + NODE_SEP) + NODE_H / 2 }));
  });
  for (const [k, e] of edges) {
    const a = out.nodes.get(e.from), b = out.nodes.get(e.to);
    if (a && b) out.edges.set(k, [{ x: a.x + NODE_W / 2, y: a.y }, { x: b.x - NODE_W / 2, y: b.y }]);
  }
  for (const grp of groups) {
    const ps = [...nodes.values()].filter((n) => n.inGroup === grp).map((n) => out.nodes.get(n.id)!);
    const x0 = Math.min(...ps.map((p) => p.x)) - NODE_W / 2 - 8, x1 = Math.max(...ps.map((p) => p.x)) + NODE_W / 2 + 8;
    const y0 = Math.min(...ps.map((p) => p.y)) - NODE_H / 2 - 30, y1 = Math.max(...ps.map((p) => p.y)) + NODE_H / 2 + 8;
    out.clusters.set(grp, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  }
  return out;
}

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
    const nodes = this.nodes();
    const expandedGroups = new Set([...nodes.values()].filter((n) => n.inGroup).map((n) => n.inGroup!));
    const edges = new Map<string, { from: string; to: string; dashed: boolean }>();
    const main = this.tasks.filter((t) => !t.finally);
    const hasDependents = new Set(main.flatMap((t) => t.deps));
    const sinks = main.filter((t) => !hasDependents.has(t.name));
    for (const t of this.tasks) {
      const to = this.visible(t.name);
      const deps = t.finally && !t.deps.length ? sinks.map((x) => x.name) : t.deps;
      for (const d of deps) {
        const from = this.visible(d);
        if (from !== to) edges.set(from + '\u0000' + to, { from, to, dashed: t.finally });
      }
    }
    // dagre's layout (network simplex ranks, crossing minimisation) reads
    // best but grows fast with the edges: large graphs get a simpler one.
    const lay = nodes.size <= DAGRE_MAX_NODES && edges.size <= 3 * DAGRE_MAX_NODES
      ? dagreLayout(nodes, edges, expandedGroups)
      : layeredLayout(nodes, edges, expandedGroups);
    const svg = s('svg', { class: 'dag', 'data-testid': 'dag', 'data-layout': lay.kind, role: 'group', 'aria-label': `Run graph, ${nodes.size} nodes`, viewBox: `0 0 ${lay.width} ${lay.height}`, width: lay.width, height: lay.height }) as SVGSVGElement;
    svg.appendChild(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
    for (const [grp, b] of lay.clusters) {
      svg.appendChild(s('g', { class: 'cluster' },
        s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 8 }),
        this.toggleButton(grp, b.x + 8, b.y + 4, true)));
    }
    const edgeLayer = s('g', { class: 'edges' });
    for (const [k, v] of edges) {
      const pts = lay.edges.get(k);
      if (!pts || !pts.length) continue;
      const d = 'M' + pts.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`).join(' L');
      edgeLayer.appendChild(s('path', { d, class: v.dashed ? 'edge dashed' : 'edge', 'marker-end': 'url(#arrow)' }));
    }
    svg.appendChild(edgeLayer);
    for (const n of nodes.values()) {
      const p = lay.nodes.get(n.id)!;
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
