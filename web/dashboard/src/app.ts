// The application shell: configuration, the hash router, the layout with
// the navigation and the namespace (profile) switcher, and the error banner.

import { ML, errorText, getJSON } from './api';
import { h, replace, tickClocks } from './dom';
import { KindInfo, servedKinds } from './kinds';

export interface Config { namespace: string; user: string; server: string; mode: string }

// Page is what a route's render function gets: where to draw, the
// namespace, the route's parts and query, and a signal aborted when the
// user leaves the page (every watch and stream of the page stops then).
export interface Page {
  root: HTMLElement;
  ns: string;
  parts: string[];
  query: URLSearchParams;
  signal: AbortSignal;
  config: Config;
  // ready marks the page loaded (data-testid app-ready) for tests and screen readers.
  ready(): void;
  // error shows e in the banner; clearError hides it.
  error(e: unknown): void;
  clearError(): void;
}

export type Render = (p: Page) => void | Promise<void>;

export interface Route { match: (parts: string[]) => boolean; render: Render }

let config: Config = { namespace: 'default', user: '', server: '', mode: '' };
let currentNs = 'default';
let pageAbort: AbortController | undefined;
let routes: Route[] = [];

const banner = h('div', { class: 'error-banner', 'data-testid': 'error-banner', role: 'alert', hidden: true });
const main = h('main', { id: 'main', tabindex: '-1' });
const nsSelect = h('select', { 'data-testid': 'ns-switcher', id: 'ns-switcher', 'aria-label': 'Namespace' });
// OTHER_NS is the switcher's last option: a namespace typed in, for one
// the user may use but not list (no list on namespaces or profiles).
const OTHER_NS = '\u0000other';
const nsInput = h('input', { 'data-testid': 'ns-other', type: 'text', 'aria-label': 'Other namespace', placeholder: 'namespace', size: 16, hidden: true, spellcheck: 'false', autocomplete: 'off' });
// A namespace's name is a DNS label.
const NS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const navList = h('ul', { role: 'list' });
const userBox = h('span', { class: 'user' });

export function namespace(): string {
  return currentNs;
}

// href builds the hash route of a page in a namespace.
export function href(ns: string, ...parts: string[]): string {
  return '#/ns/' + [ns, ...parts].map(encodeURIComponent).join('/');
}

export async function start(rs: Route[]): Promise<void> {
  routes = rs;
  try {
    const resp = await fetch('/config.json', { headers: { 'X-Requested-With': 'ml-dashboard' }, credentials: 'same-origin' });
    if (resp.ok) config = { ...config, ...(await resp.json()) };
  } catch {
    // the defaults do
  }
  currentNs = config.namespace || 'default';
  layout();
  window.addEventListener('hashchange', route);
  route();
  void fillNamespaces();
  // Relative times ("5s ago", a running duration) move on while a page
  // stays open.
  setInterval(() => tickClocks(), 1000);
}

function layout(): void {
  const app = document.getElementById('app')!;
  const skip = h('a', { class: 'skip-link', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content');
  nsSelect.addEventListener('change', () => {
    if (nsSelect.value !== OTHER_NS) {
      nsInput.hidden = true;
      switchNamespace(nsSelect.value);
      return;
    }
    nsInput.hidden = false;
    nsInput.value = '';
    nsInput.setCustomValidity('');
    nsInput.focus();
  });
  nsInput.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      nsInput.hidden = true;
      nsSelect.value = currentNs;
      return;
    }
    if (e.key !== 'Enter') return;
    const name = nsInput.value.trim();
    if (!NS_NAME.test(name)) {
      nsInput.setCustomValidity('A namespace name is a DNS label: lower-case letters, digits and "-", at most 63.');
      nsInput.reportValidity();
      return;
    }
    nsInput.hidden = true;
    switchNamespace(name);
  });
  userBox.textContent = config.user ? `${config.user}` : '';
  if (config.server) userBox.title = `API server ${config.server} (${config.mode || 'cluster'})`;
  const nav = h('nav', { 'data-testid': 'nav', 'aria-label': 'Pages', class: 'nav' }, navList);
  nav.addEventListener('keydown', navKeys);
  replace(app,
    skip,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'ml-apiserver'),
      h('label', { class: 'ns', for: 'ns-switcher' }, h('span', null, 'Namespace'), nsSelect),
      nsInput,
      userBox),
    h('div', { class: 'body' }, nav, h('div', { class: 'content' }, banner, main)));
  void fillNav();
}

// Arrow keys move between the navigation's links, Home/End to the ends.
function navKeys(e: KeyboardEvent): void {
  const links = [...navList.querySelectorAll('a')];
  const i = links.indexOf(document.activeElement as HTMLAnchorElement);
  let next = -1;
  if (e.key === 'ArrowDown' || e.key === 'ArrowRight') next = (i + 1) % links.length;
  else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') next = (i - 1 + links.length) % links.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = links.length - 1;
  if (next >= 0) {
    e.preventDefault();
    links[next].focus();
  }
}

let navKinds: KindInfo[] = [];

async function fillNav(): Promise<void> {
  navKinds = await servedKinds();
  renderNav();
}

function renderNav(): void {
  const ns = currentNs;
  const items: [string, string][] = [[href(ns), 'Overview']];
  for (const k of navKinds) items.push([href(ns, k.resource), k.title]);
  items.push([href(ns, 'compare'), 'Compare'], [href(ns, 'create'), 'Create']);
  replace(navList, items.map(([to, label]) => h('li', null, h('a', { href: to }, label))));
  markNav();
}

function markNav(): void {
  const here = location.hash || '#/';
  for (const a of navList.querySelectorAll('a')) {
    const to = a.getAttribute('href')!;
    const on = here === to || (to !== href(currentNs) && here.startsWith(to + '/')) || (here === '#/' && to === href(currentNs));
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// fillNamespaces offers the user's profiles when the Profile kind is
// served, else the namespaces the user may list, else the configured one.
async function fillNamespaces(): Promise<void> {
  let names: string[] = [];
  try {
    const l = await getJSON<{ items: { metadata: { name: string } }[] }>(`${ML}/profiles`);
    names = l.items.map((p) => p.metadata.name);
  } catch {
    try {
      const l = await getJSON<{ items: { metadata: { name: string } }[] }>('/api/v1/namespaces');
      names = l.items.map((n) => n.metadata.name);
    } catch {
      names = [];
    }
  }
  renderNamespaces(names);
}

let knownNamespaces: string[] = [];

function renderNamespaces(names?: string[]): void {
  if (names) knownNamespaces = names;
  const all = new Set([...knownNamespaces, config.namespace || 'default', currentNs]);
  replace(nsSelect, [...all].sort().map((n) => h('option', { value: n, selected: n === currentNs }, n)),
    h('option', { value: OTHER_NS }, 'Other…'));
  nsSelect.value = currentNs;
}

function switchNamespace(ns: string): void {
  const parts = parseHash().parts;
  // Stay on the same kind of page; a detail page has no meaning elsewhere.
  if (parts[0] === 'ns' && parts.length >= 3 && !['compare'].includes(parts[2])) location.hash = href(ns, parts[2]);
  else location.hash = href(ns);
}

function parseHash(): { parts: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  return { parts, query: new URLSearchParams(qs || '') };
}

function route(): void {
  pageAbort?.abort();
  pageAbort = new AbortController();
  const signal = pageAbort.signal;
  let { parts, query } = parseHash();
  if (parts[0] !== 'ns' || parts.length < 2) parts = ['ns', currentNs];
  if (parts[1] !== currentNs) {
    currentNs = parts[1];
    renderNamespaces();
    renderNav();
  }
  markNav();
  const rest = parts.slice(2);
  banner.hidden = true;
  const root = h('div', { class: 'page' });
  replace(main, root);
  const page: Page = {
    root,
    ns: currentNs,
    parts: rest,
    query,
    signal,
    config,
    ready() {
      if (signal.aborted || root.querySelector(':scope > [data-testid="app-ready"]')) return;
      root.appendChild(h('span', { 'data-testid': 'app-ready', hidden: true }));
    },
    error(e: unknown) {
      if (signal.aborted || (e as Error)?.name === 'AbortError') return;
      replace(banner, errorText(e));
      banner.hidden = false;
    },
    clearError() {
      if (!signal.aborted) banner.hidden = true;
    },
  };
  const r = routes.find((x) => x.match(rest));
  if (!r) {
    replace(root, h('h1', null, 'Not found'), h('p', null, 'No page at this address. ', h('a', { href: href(currentNs) }, 'Go to the overview.')));
    page.ready();
    return;
  }
  Promise.resolve(r.render(page)).catch((e) => page.error(e));
}
