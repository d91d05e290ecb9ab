// The PipelineRun page: the run graph colouring as tasks finish, and the
// panel of the selected task (params, outputs, artifacts, attempts,
// forEach instances, its log), with cancel, suspend/resume, retry and delete.

import { GROUP, K8sObject, VERSION, getJSON, getText, objPath, send } from '../api';
import { Page, href } from '../app';
import { DagTask, Graph, TaskSpec, TaskStatus, groupOf, tasksOf } from '../dag';
import { actionButton, conditions, deleteButton, events, head, patchButton, section, watchObject, yamlView } from '../detail';
import { elapsed, fields, h, replace, since } from '../dom';
import { LogView } from '../log';
import { renderMarkdown } from '../markdown';
import { badge } from '../phase';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = { tasks?: TaskSpec[]; finally?: TaskSpec[]; [k: string]: any };

export function pipelineRunPage(p: Page): void {
  const name = p.parts[1];
  const top = h('div');
  const summary = h('div');
  const graphBox = h('div', { class: 'dag-wrap', tabindex: '-1' });
  const panel = h('aside', { class: 'task-panel', 'data-testid': 'task-panel', 'aria-live': 'polite', 'aria-label': 'Selected task' },
    h('p', { class: 'muted' }, 'Select a task in the graph to see its details and log.'));
  const conds = h('div');
  const yaml = h('div');
  const log = new LogView(p.signal, 'Task log');
  const del = deleteButton(p, 'pipelineruns', name);
  const cancel = patchButton(p, 'Cancel', 'pipelineruns', name, { cancel: true });
  const suspend = patchButton(p, 'Suspend', 'pipelineruns', name, { suspend: true });
  const resume = patchButton(p, 'Resume', 'pipelineruns', name, { suspend: false });
  const retry = actionButton(p, 'Retry', 'create', 'pipelineruns', name, async () => {
    const created = await send('POST', objPath('pipelineruns', p.ns) + '?fieldManager=ml-dashboard', retryOf(run!));
    location.hash = href(p.ns, 'pipelineruns', created.metadata.name);
  });
  const actionBox = h('span', { class: 'actions' });
  replace(p.root, top,
    summary,
    h('div', { class: 'run-layout', 'data-selected': 'false' },
      h('section', { 'aria-labelledby': 'graph-h', class: 'graph-section' }, h('h2', { id: 'graph-h' }, 'Graph'), graphBox),
      panel),
    section('Conditions', conds),
    section('Events', events(p, 'PipelineRun', name)),
    yaml);

  let run: K8sObject | undefined;
  let spec: Spec | undefined;
  let specKey = '';
  let tasks: DagTask[] = [];
  let graph: Graph | undefined;
  let selected = p.query.get('task') || '';
  const expanded = new Set<string>();
  if (groupOf(selected)) expanded.add(groupOf(selected));
  let panelKey = '';

  replace(actionBox, del);
  replace(top, head(p, 'pipelineruns', undefined, name, [actionBox]));
  watchObject(p, 'pipelineruns', name, (o) => {
    run = o;
    const phase = o.status?.phase || 'Pending';
    const ended = ['Succeeded', 'Failed', 'Canceled'].includes(phase);
    cancel.dataset.applies = String(!ended && !o.spec?.cancel);
    suspend.dataset.applies = String(!ended && !o.spec?.suspend);
    resume.dataset.applies = String(!ended && !!o.spec?.suspend);
    retry.dataset.applies = String(phase === 'Failed' || phase === 'Canceled');
    replace(actionBox, [cancel, suspend, resume, retry].filter((b) => b.dataset.applies === 'true'), del);
    replace(top, head(p, 'pipelineruns', o, name, [actionBox]));
    const params = (o.status?.params || o.spec?.params || []) as { name: string; value: string }[];
    replace(summary, fields([
      ['Pipeline', o.spec?.pipelineRef?.name ? h('a', { href: href(p.ns, 'pipelines', o.spec.pipelineRef.name) }, o.spec.pipelineRef.name) : 'inline'],
      ['Retry of', o.spec?.retryOf?.name ? h('a', { href: href(p.ns, 'pipelineruns', o.spec.retryOf.name) }, o.spec.retryOf.name) : ''],
      ['Started', since(o.status?.startTime, ' ago')],
      ['Duration', elapsed(o.status?.startTime, o.status?.completionTime)],
      ['Suspended', o.spec?.suspend ? 'yes' : ''],
      ['Params', params.length ? h('ul', { class: 'plain' }, params.map((x) => h('li', null, h('code', null, `${x.name}=${x.value}`)))) : ''],
    ]));
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
    void loadSpec(o).then(drawGraph).catch((e) => p.error(e));
  });

  // loadSpec reads the snapshot of the pipeline the run executes (the
  // pipeline subresource), or the inline or legacy spec.
  async function loadSpec(o: K8sObject): Promise<void> {
    const key = o.status?.pipeline?.hash || o.status?.pipeline?.resourceVersion || (o.status?.pipelineSpec ? 'legacy' : o.spec?.pipelineSpec ? 'inline' : '');
    if (spec && key === specKey) return;
    if (o.status?.pipeline) spec = (await getJSON(objPath('pipelineruns', p.ns, name, 'pipeline'), { signal: p.signal })).spec;
    else if (o.status?.pipelineSpec) spec = o.status.pipelineSpec;
    else if (o.spec?.pipelineSpec) spec = o.spec.pipelineSpec;
    else if (o.spec?.pipelineRef?.name) spec = (await getJSON(objPath('pipelines', p.ns, o.spec.pipelineRef.name), { signal: p.signal })).spec;
    specKey = key;
    tasks = tasksOf(spec);
  }

  function statuses(): Map<string, TaskStatus> {
    return new Map(((run?.status?.tasks || []) as TaskStatus[]).map((t) => [t.name, t]));
  }

  function drawGraph(): void {
    if (!run) return;
    if (!tasks.length) {
      // Before the snapshot is there, the status still names the tasks.
      tasks = ((run.status?.tasks || []) as TaskStatus[]).filter((t) => !t.task || t.task === t.name).map((t) => ({ name: t.name, deps: [], finally: false, forEach: !!t.instances }));
    }
    const opts = { statuses: statuses(), expanded, selected, onSelect: select, onToggle: toggle };
    const key = Graph.keyOf(tasks, expanded);
    if (!graph || graph.key !== key) {
      const t0 = performance.now();
      graph = new Graph(tasks, opts);
      replace(graphBox, graph.svg);
      graph.svg.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
      if (!tasks.length) replace(graphBox, h('p', { class: 'muted', 'data-testid': 'dag' }, 'The run has no tasks yet.'));
    } else {
      graph.update(opts);
    }
    drawPanel();
  }

  function toggle(group: string): void {
    if (expanded.has(group)) expanded.delete(group);
    else expanded.add(group);
    drawGraph();
    const el = graphBox.querySelector(`[data-group="${CSS.escape(group)}"], [data-task="${CSS.escape(group)}"]`) as SVGElement | null;
    el?.focus();
  }

  function select(node: string): void {
    selected = node;
    if (groupOf(node)) expanded.add(groupOf(node));
    panelKey = '';
    drawGraph();
  }

  function drawPanel(): void {
    if (!selected || !run) return;
    panel.parentElement?.setAttribute('data-selected', 'true');
    const sts = statuses();
    const st = sts.get(selected);
    const isGroup = !st && tasks.some((t) => groupOf(t.name) === selected);
    const key = selected + JSON.stringify(st || '') + isGroup + expanded.has(selected);
    if (key === panelKey) return;
    const firstTime = !panelKey.startsWith(selected + '{') && !panelKey.startsWith(selected + '"');
    panelKey = key;
    const spec1 = [...(spec?.tasks || []), ...(spec?.finally || [])].find((t) => t.name === selected);
    const body: Node[] = [];
    body.push(h('h2', null, isGroup ? 'Nested pipeline ' : 'Task ', h('code', null, selected), ' ', badge(st?.phase || (isGroup ? '' : 'Pending') || groupPhase(sts))));
    if (isGroup) {
      const members = tasks.filter((t) => groupOf(t.name) === selected);
      body.push(h('button', { type: 'button', onclick: () => toggle(selected) }, expanded.has(selected) ? 'Collapse in the graph' : 'Expand in the graph'));
      body.push(h('ul', { class: 'plain' }, members.map((m) => h('li', null,
        h('button', { type: 'button', class: 'link', onclick: () => { expanded.add(selected); select(m.name); } }, m.name), ' ', badge(sts.get(m.name)?.phase || 'Pending')))));
    }
    if (st) {
      body.push(fields([
        ['Reason', st.reason], ['Message', st.message], ['Item', st.item],
        ['Started', since(st.startTime, ' ago')], ['Duration', elapsed(st.startTime, st.completionTime)],
        ['Exit code', st.exitCode === undefined ? '' : String(st.exitCode)], ['Pod', st.podName],
      ]));
    }
    const params = paramsOf(spec1);
    if (params.length) body.push(h('h3', null, 'Params'), h('ul', { class: 'plain' }, params.map(([k, v]) => h('li', null, h('code', null, `${k}=${v}`)))));
    if (st?.outputs?.length) body.push(h('h3', null, 'Outputs'), h('ul', { class: 'plain', 'data-testid': 'task-outputs' }, st.outputs.map((o: { name: string; value: string }) => h('li', null, h('code', null, o.name), ' = ', h('span', { class: 'value' }, o.value)))));
    const arts = [...(st?.artifacts?.outputs || []).map((a: Record<string, unknown>) => ({ ...a, dir: 'Output' })), ...(st?.artifacts?.inputs || []).map((a: Record<string, unknown>) => ({ ...a, dir: 'Input' }))];
    if (arts.length) body.push(h('h3', null, 'Artifacts'), artifacts(arts));
    if (st?.attempts?.length) {
      body.push(h('h3', null, 'Attempts'), h('table', { class: 'list compact' },
        h('thead', null, h('tr', null, ['#', 'Pod', 'Exit', 'Duration', 'Message'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, st.attempts.map((a: Record<string, string>, i: number) => h('tr', null,
          h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `Log of attempt ${i + 1}`, onclick: () => log.open(logPath(), { task: selected, attempt: String(i + 1) }) }, String(i + 1))),
          h('td', null, a.podName), h('td', null, a.exitCode === undefined ? '' : String(a.exitCode)),
          h('td', null, elapsed(a.startTime, a.completionTime)), h('td', { class: 'message' }, a.message || ''))))));
    }
    if (st?.instances) body.push(h('h3', null, 'Instances'), instances(selected, st.instances));
    body.push(h('h3', null, 'Log'), log.el);
    replace(panel, body);
    if (firstTime) log.open(logPath(), { task: selected });
  }

  function groupPhase(sts: Map<string, TaskStatus>): string {
    const ph = tasks.filter((t) => groupOf(t.name) === selected).map((t) => sts.get(t.name)?.phase || 'Pending');
    return ph.includes('Failed') ? 'Failed' : ph.every((x) => x === 'Succeeded' || x === 'Skipped') ? 'Succeeded' : ph.includes('Running') ? 'Running' : 'Pending';
  }

  function logPath(): string {
    return objPath('pipelineruns', p.ns, name, 'log');
  }

  // paramsOf lists the run params a task refers to, with their values.
  function paramsOf(t: TaskSpec | undefined): [string, string][] {
    if (!t) return [];
    const out: [string, string][] = [];
    for (const x of (t.params || []) as { name: string; value: string }[]) out.push([x.name, x.value]);
    const runParams = new Map(((run?.status?.params || run?.spec?.params || []) as { name: string; value: string }[]).map((x) => [x.name, x.value]));
    const seen = new Set<string>();
    for (const m of JSON.stringify(t).matchAll(/\$\(params\.([A-Za-z0-9_.-]+)\)/g)) {
      if (seen.has(m[1])) continue;
      seen.add(m[1]);
      const v = runParams.get(m[1]);
      if (v !== undefined) out.push([m[1], v]);
    }
    return out;
  }

  function artifacts(arts: Record<string, string>[]): HTMLElement {
    const viewer = h('div', { class: 'artifact-view' });
    const task = selected;
    const url = (a: Record<string, string>): string => objPath('pipelineruns', p.ns, name, `artifacts/${encodeURIComponent(task)}/${encodeURIComponent(a.name)}`);
    const view = async (a: Record<string, string>): Promise<void> => {
      replace(viewer, h('p', { class: 'muted' }, 'Loading…'));
      try {
        const text = await getText(url(a), p.signal);
        if (a.type === 'Markdown') replace(viewer, renderMarkdown(text));
        else if (a.type === 'HTML') {
          // No allow-scripts, no allow-same-origin: the report is inert and
          // cannot reach the dashboard or the API.
          const frame = h('iframe', { sandbox: '', title: `Artifact ${a.name}`, class: 'artifact-frame', referrerpolicy: 'no-referrer' });
          frame.addEventListener('load', () => { frame.dataset.loaded = 'true'; });
          frame.srcdoc = text;
          replace(viewer, frame);
        } else replace(viewer, h('pre', { class: 'log' }, text));
      } catch (e) {
        replace(viewer, h('p', { class: 'error' }, String((e as Error).message)));
      }
    };
    return h('div', null, h('table', { class: 'list compact', 'data-testid': 'artifacts' },
      h('thead', null, h('tr', null, ['Direction', 'Name', 'Type', 'Size', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, arts.map((a) => h('tr', null, h('td', null, a.dir), h('td', null, a.name), h('td', null, a.type || 'Generic'), h('td', null, a.size ? bytes(Number(a.size)) : ''),
        h('td', null, ['Markdown', 'HTML', 'Metrics'].includes(a.type) ? h('button', { type: 'button', onclick: () => void view(a) }, 'View') : null,
          ' ', h('a', { href: '/k8s' + url(a), download: a.name }, 'Download')))))),
      viewer);
  }

  function instances(task: string, sum: Record<string, number>): HTMLElement {
    const box = h('div', null, h('p', null, `${sum.total} instances: ${['succeeded', 'running', 'pending', 'failed', 'skipped', 'canceled'].filter((k) => sum[k]).map((k) => `${sum[k]} ${k}`).join(', ')}`));
    const list = h('div');
    const btn = h('button', { type: 'button', onclick: async () => {
      try {
        const l = await getJSON<{ items: { task: string; index: number; item?: string; phase?: string; reason?: string; message?: string }[] }>(objPath('pipelineruns', p.ns, name, 'tasks') + `?task=${encodeURIComponent(task)}`);
        replace(list, h('table', { class: 'list compact' },
          h('thead', null, h('tr', null, ['#', 'Item', 'Phase', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, l.items.map((it) => h('tr', null,
            h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `Log of ${task}-${it.index}`, onclick: () => log.open(logPath(), { task: `${task}-${it.index}` }) }, String(it.index))),
            h('td', null, it.item || ''), h('td', null, badge(it.phase || 'Pending')), h('td', null, it.reason || ''))))));
      } catch (e) {
        p.error(e);
      }
    } }, 'Show instances');
    box.append(btn, list);
    return box;
  }
}

// retryOf is the PipelineRun kubectl ml retry creates: the same run, from its failed tasks.
function retryOf(prev: K8sObject): K8sObject {
  const spec: Record<string, unknown> = { retryOf: { name: prev.metadata.name } };
  for (const k of ['parallelism', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'failFast', 'cache']) {
    if (prev.spec && prev.spec[k] !== undefined) spec[k] = prev.spec[k];
  }
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'PipelineRun', metadata: { generateName: prev.metadata.name + '-retry-' } as K8sObject['metadata'], spec };
}

function bytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)}KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)}MiB`;
  return `${(n / (1 << 30)).toFixed(1)}GiB`;
}
