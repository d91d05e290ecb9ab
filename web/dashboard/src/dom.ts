// Small DOM helpers: the dashboard builds its pages with plain elements.
// Text always goes in through textContent (never innerHTML), so nothing an
// object, a log or an artifact holds can become markup.

export type Child = Node | string | number | null | undefined | false | Child[];

export type Attrs = {
  [k: string]: string | number | boolean | null | undefined | EventListener | Partial<CSSStyleDeclaration>;
};

// h creates an element: h('button', {class: 'x', onclick: f}, 'text').
// Attributes starting with "on" are listeners; false/null/undefined skip
// the attribute; true sets it empty.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// s creates an SVG element.
export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs?: Attrs | null): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (k === 'style' && typeof v === 'object') {
      Object.assign((el as HTMLElement).style, v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// replace empties el and appends children.
export function replace(el: Node, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

// age formats the time since ts like kubectl's AGE column.
export function age(ts?: string): string {
  if (!ts) return '';
  const secs = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 120) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

// since is age(ts) followed by suffix, in an element that tickClocks
// keeps current while the page stays open.
export function since(ts?: string, suffix = ''): Node | string {
  if (!ts) return '';
  return h('time', { datetime: ts, 'data-age': suffix }, age(ts) + suffix);
}

// elapsed is duration(start, end), kept current by tickClocks while end
// is unset (the object still runs).
export function elapsed(start?: string, end?: string): Node | string {
  if (!start) return '';
  if (end) return duration(start, end);
  return h('time', { datetime: start, 'data-elapsed': '' }, duration(start));
}

// tickClocks brings every since and elapsed element under root up to the
// present; the app calls it every second.
export function tickClocks(root: ParentNode = document): void {
  const set = (el: HTMLElement, text: string) => {
    if (el.textContent !== text) el.textContent = text;
  };
  root.querySelectorAll<HTMLTimeElement>('time[data-age]').forEach((el) => set(el, age(el.dateTime) + (el.dataset.age || '')));
  root.querySelectorAll<HTMLTimeElement>('time[data-elapsed]').forEach((el) => set(el, duration(el.dateTime)));
}

// duration formats the time between two timestamps (or until now).
export function duration(start?: string, end?: string): string {
  if (!start) return '';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  const secs = Math.max(0, Math.round(ms / 1000));
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m${secs % 60}s`;
  return `${Math.floor(secs / 3600)}h${Math.floor((secs % 3600) / 60)}m`;
}

// frameThrottle returns a function that runs fn at most once per animation
// frame, however often it is called (watch events come in bursts).
export function frameThrottle(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

// field renders a definition list from label/value pairs, skipping empty values.
export function fields(pairs: [string, Child][]): HTMLElement {
  const dl = h('dl', { class: 'fields' });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    append(dl, [h('dt', null, k), h('dd', null, v)]);
  }
  return dl;
}
