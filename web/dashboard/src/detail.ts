// Pieces every detail page uses: the heading with the phase and the
// action buttons (shown only when the user may use them), conditions,
// events, the object as YAML, and delete with confirmation.

import { stringify } from 'yaml';
import { K8sObject, LiveList, errorText, guard, mergePatch, objPath, request } from './api';
import { Page, href } from './app';
import { Child, h, replace, since } from './dom';
import { kindInfo } from './kinds';
import { badge } from './phase';

// actionButton is a button that runs act, shown only when the user may do
// what it does (verb on resource[/subresource] of this object).
export function actionButton(p: Page, label: string, verb: string, resource: string, name: string, act: () => Promise<unknown>, opts: { subresource?: string; testid?: string; danger?: boolean } = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: opts.danger ? 'danger' : '', 'data-testid': opts.testid || null }, label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await act();
      p.clearError();
    } catch (e) {
      p.error(e);
    } finally {
      b.disabled = false;
    }
  });
  return guard(b, { verb, resource, namespace: p.ns, name, subresource: opts.subresource });
}

// patchButton sets spec fields with a merge patch, as kubectl ml suspend/cancel/stop do.
export function patchButton(p: Page, label: string, resource: string, name: string, spec: Record<string, unknown>): HTMLButtonElement {
  return actionButton(p, label, 'patch', resource, name, () => mergePatch(objPath(resource, p.ns, name), { spec }));
}

// deleteButton deletes the object after the user confirms in a dialog.
export function deleteButton(p: Page, resource: string, name: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'danger', 'data-testid': 'delete-button' }, 'Delete');
  b.addEventListener('click', () => {
    confirmDialog(`Delete ${kindInfo(resource).kind} ${name}?`, `This deletes ${name} in ${p.ns} and what it owns.`, 'Delete', async () => {
      await request(objPath(resource, p.ns, name), { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
      location.hash = href(p.ns, resource);
    }).catch((e) => p.error(e));
  });
  return guard(b, { verb: 'delete', resource, namespace: p.ns, name });
}

// confirmDialog asks before a destructive action; Escape or Cancel closes it.
export function confirmDialog(title: string, text: string, okLabel: string, ok: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const err = h('p', { class: 'error', role: 'alert' });
    const okBtn = h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-button' }, okLabel);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title', class: 'dialog' },
      h('h2', { id: 'dlg-title' }, title), h('p', null, text), err, h('div', { class: 'actions' }, cancel, okBtn));
    const close = (): void => { dlg.close(); dlg.remove(); };
    cancel.addEventListener('click', () => { close(); resolve(); });
    dlg.addEventListener('cancel', () => { dlg.remove(); resolve(); });
    okBtn.addEventListener('click', async () => {
      okBtn.disabled = true;
      try {
        await ok();
        close();
        resolve();
      } catch (e) {
        err.textContent = errorText(e);
        okBtn.disabled = false;
        reject(e);
      }
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// head renders the page heading: kind, name, phase and the actions.
export function head(p: Page, resource: string, o: K8sObject | undefined, name: string, actions: Child[]): HTMLElement {
  const info = kindInfo(resource);
  return h('div', { class: 'page-head' },
    h('p', { class: 'crumbs' }, h('a', { href: href(p.ns, resource) }, info.title), ' / '),
    h('h1', null, h('span', { class: 'muted' }, info.kind + ' '), name),
    o ? badge(o.status?.phase || 'Pending') : null,
    h('div', { class: 'actions' }, actions));
}

export function conditions(o: K8sObject): HTMLElement {
  const cs = (o.status?.conditions || []) as { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  if (!cs.length) return h('p', { class: 'muted' }, 'No conditions.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'conditions' },
    h('thead', null, h('tr', null, ['Type', 'Status', 'Reason', 'Message', 'Since'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, cs.map((c) => h('tr', null, h('td', null, c.type), h('td', null, c.status), h('td', null, c.reason || ''),
      h('td', { class: 'message' }, c.message || ''), h('td', null, since(c.lastTransitionTime)))))));
}

// events shows the object's events, live (core/v1 events by involvedObject).
export function events(p: Page, kind: string, name: string): HTMLElement {
  const body = h('tbody');
  const el = h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'events' },
    h('thead', null, h('tr', null, ['Type', 'Reason', 'Message', 'Count', 'Last seen'].map((c) => h('th', { scope: 'col' }, c)))), body));
  const live: LiveList = new LiveList(`/api/v1/namespaces/${encodeURIComponent(p.ns)}/events`, {
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
    onChange: () => {
      const evs = live.list.sort((a, b) => (last(b)).localeCompare(last(a)));
      replace(body, evs.map((e) => h('tr', { class: e.type === 'Warning' ? 'warn' : '' }, h('td', null, e.type || ''), h('td', null, e.reason || ''),
        h('td', { class: 'message' }, e.message || ''), h('td', null, String(e.count || 1)), h('td', null, since(last(e))))));
      if (!evs.length) body.appendChild(h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No events.')));
    },
    onError: (e) => replace(body, h('tr', null, h('td', { colspan: 5, class: 'muted' }, `Events unavailable: ${errorText(e)}`))),
  }, p.signal);
  return el;
}

function last(e: K8sObject): string {
  return e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp || '';
}

// yamlView shows the object (without managedFields) in a closed <details>.
export function yamlView(o: K8sObject): HTMLElement {
  const copy = { ...o, metadata: { ...o.metadata } } as K8sObject;
  delete (copy.metadata as unknown as Record<string, unknown>).managedFields;
  return h('details', { class: 'yaml' }, h('summary', null, 'YAML'), h('pre', { tabindex: '0' }, stringify(copy)));
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = 's-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), children);
}

// scaleControl sets spec.replicas through the scale subresource, as kubectl scale does.
export function scaleControl(p: Page, resource: string, name: string, current: number, opts: { min?: number; max?: number } = {}): HTMLElement {
  const input = h('input', { type: 'number', min: opts.min ?? 0, max: opts.max ?? null, value: current, id: `scale-${name}`, class: 'narrow', 'data-testid': 'scale-input' });
  const btn = h('button', { type: 'submit' }, 'Scale');
  const form = h('form', { class: 'inline', 'data-testid': 'scale-form', onsubmit: async (e: Event) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      await request(objPath(resource, p.ns, name, 'scale') + '?fieldManager=ml-dashboard', { method: 'PATCH', body: { spec: { replicas: Number(input.value) } }, contentType: 'application/merge-patch+json' });
      p.clearError();
    } catch (err) {
      p.error(err);
    } finally {
      btn.disabled = false;
    }
  } }, h('label', { for: input.id }, 'Replicas '), input, btn);
  return guard(form, { verb: 'patch', resource, namespace: p.ns, name, subresource: 'scale' });
}

// watchObject calls draw with the object each time it changes; when it
// does not exist (or was deleted) the page says so.
export function watchObject(p: Page, resource: string, name: string, draw: (o: K8sObject) => void): void {
  const live: LiveList = new LiveList(objPath(resource, p.ns), {
    fieldSelector: `metadata.name=${name}`,
    onChange: () => {
      const o = live.items.get(name);
      if (!o) {
        p.error(`${kindInfo(resource).kind} ${name} does not exist in ${p.ns}.`);
        p.ready();
        return;
      }
      p.clearError();
      draw(o);
      p.ready();
    },
    onError: (e) => {
      // The page stays (with the buttons the user may use) and says why
      // the object cannot be read.
      p.error(e);
      p.ready();
    },
  }, p.signal);
}

// genericDetail is the page of kinds without a page of their own.
export function genericDetail(p: Page): void {
  const [resource, name] = p.parts;
  const top = h('div'), conds = h('div'), yaml = h('div');
  const del = deleteButton(p, resource, name);
  replace(p.root, top, section('Conditions', conds), section('Events', events(p, kindInfo(resource).kind, name)), yaml);
  replace(top, head(p, resource, undefined, name, [del]));
  watchObject(p, resource, name, (o) => {
    replace(top, head(p, resource, o, name, [del]));
    replace(conds, conditions(o));
    replace(yaml, yamlView(o));
  });
}
