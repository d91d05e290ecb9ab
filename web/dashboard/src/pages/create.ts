// Create from YAML: every document is first sent as a server-side dry run
// (dryRun=All: validation and admission, nothing stored), so errors show
// per field before anything is created.

import { parseAllDocuments } from 'yaml';
import { ApiError, K8sObject, basePath, errorText, objPath, resources, send, withQuery } from '../api';
import { Page, href } from '../app';
import { h, replace } from '../dom';
import { GROUP, VERSION } from '../api';

const TEMPLATES: Record<string, string> = {
  trainingjobs: `apiVersion: ${GROUP}/${VERSION}
kind: TrainingJob
metadata:
  name: my-training
spec:
  replicas: 1
  metrics:
    collector: StdOut
  image: python:3.12-slim
  command: ["python3", "-c"]
  args:
  - |
    import math, time
    for step in range(1, 21):
        print(f"step={step} loss={math.exp(-step / 5):.4f}", flush=True)
        time.sleep(0.2)
`,
  pipelineruns: `apiVersion: ${GROUP}/${VERSION}
kind: PipelineRun
metadata:
  generateName: my-run-
spec:
  pipelineRef:
    name: my-pipeline
  params: []
`,
};

export function createPage(p: Page): void {
  const kind = p.query.get('kind') || '';
  const text = h('textarea', { id: 'yaml-input', rows: 22, spellcheck: false, 'aria-describedby': 'yaml-help', 'data-testid': 'yaml-input' });
  text.value = TEMPLATES[kind] || `apiVersion: ${GROUP}/${VERSION}\nkind: \nmetadata:\n  name: \nspec: {}\n`;
  const results = h('div', { 'aria-live': 'polite', 'data-testid': 'create-results' });
  const check = h('button', { type: 'button', 'data-testid': 'dry-run-button' }, 'Check (dry run)');
  const create = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-button' }, 'Create');
  const form = h('form', { class: 'create', onsubmit: (e: Event) => { e.preventDefault(); void run(false); } },
    h('label', { for: 'yaml-input' }, `Objects to create in ${p.ns}`),
    h('p', { id: 'yaml-help', class: 'muted small' }, 'One or more YAML documents separated by ---. The server checks them first (a dry run); nothing is created unless every document passes.'),
    text, h('div', { class: 'actions' }, check, create));
  check.addEventListener('click', () => void run(true));
  replace(p.root, h('div', { class: 'page-head' }, h('h1', null, 'Create')), form, results);
  p.ready();

  async function run(dryOnly: boolean): Promise<void> {
    check.disabled = create.disabled = true;
    try {
      const docs = parseAllDocuments(text.value);
      const objs: K8sObject[] = [];
      const out: Node[] = [];
      docs.forEach((d, i) => {
        if (d.errors.length) out.push(problem(`Document ${i + 1}`, d.errors.map((e) => e.message)));
        else if (d.contents !== null) objs.push(d.toJSON() as K8sObject);
      });
      if (out.length || !objs.length) {
        replace(results, out.length ? out : problem('Nothing to create', ['the text holds no YAML document']));
        return;
      }
      const targets = await Promise.all(objs.map((o) => target(o)));
      const checked = await Promise.all(objs.map(async (o, i) => {
        try {
          await send('POST', withQuery(targets[i], { dryRun: 'All', fieldManager: 'ml-dashboard' }), o);
          return null;
        } catch (e) {
          return e;
        }
      }));
      const failed = checked.some((e) => e);
      const lines = objs.map((o, i) => {
        const label = `${o.kind || '?'} ${o.metadata?.name || o.metadata?.generateName || ''}`;
        const e = checked[i];
        if (!e) return h('li', { class: 'ok' }, h('span', { 'aria-hidden': 'true' }, '✓ '), `${label}: valid`);
        return problem(label, causes(e));
      });
      if (failed || dryOnly) {
        replace(results, h('h2', null, failed ? 'The server refused' : 'Dry run passed'), h('ul', { class: 'plain' }, lines));
        return;
      }
      const made: Node[] = [];
      for (let i = 0; i < objs.length; i++) {
        try {
          const c = await send('POST', withQuery(targets[i], { fieldManager: 'ml-dashboard' }), objs[i]);
          const res = targets[i].split('/').pop()!;
          made.push(h('li', { class: 'ok' }, '✓ created ', h('a', { href: href(c.metadata.namespace || p.ns, res, c.metadata.name) }, `${c.kind} ${c.metadata.name}`)));
        } catch (e) {
          made.push(problem(`${objs[i].kind} ${objs[i].metadata?.name || ''}`, causes(e)));
        }
      }
      replace(results, h('h2', null, 'Created'), h('ul', { class: 'plain' }, made));
    } catch (e) {
      replace(results, problem('Cannot create', [errorText(e)]));
    } finally {
      check.disabled = create.disabled = false;
    }
  }

  // target is the collection path an object is created in.
  async function target(o: K8sObject): Promise<string> {
    if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind) throw new Error('every document needs apiVersion and kind');
    const rs = await resources(o.apiVersion);
    const r = rs.find((x) => x.kind === o.kind && !x.name.includes('/'));
    if (!r) throw new Error(`the server does not serve kind ${o.kind} in ${o.apiVersion}`);
    if (!r.namespaced) return `${basePath(o.apiVersion)}/${r.name}`;
    return objPath(r.name, o.metadata?.namespace || p.ns, undefined, undefined, basePath(o.apiVersion));
  }
}

function causes(e: unknown): string[] {
  if (e instanceof ApiError && e.causes.length) return e.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message || ''));
  return [errorText(e)];
}

function problem(label: string, msgs: string[]): HTMLElement {
  return h('li', { class: 'problem', 'data-testid': 'field-errors' }, h('span', { 'aria-hidden': 'true' }, '✗ '), `${label}:`,
    h('ul', null, msgs.map((m) => h('li', { class: 'error' }, m))));
}
