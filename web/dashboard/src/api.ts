// The API client: every call goes to the dashboard server's /k8s/ proxy,
// which forwards it with the user's kubeconfig credentials, so the pages
// show exactly what the user's RBAC allows. Every request carries
// X-Requested-With: ml-dashboard (the server refuses writes without it).

export const GROUP = 'ml.example.io';
export const VERSION = 'v1alpha1';
export const ML = `/apis/${GROUP}/${VERSION}`;
const PREFIX = '/k8s';
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

// K8sObject is any object of the API, read as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion?: string; kind?: string; metadata: ObjectMeta; spec?: any; status?: any; [k: string]: any };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generateName?: string;
}

export interface StatusCause { field?: string; message?: string; reason?: string }

// ApiError is a failed request: its HTTP status and the Status the server sent.
export class ApiError extends Error {
  constructor(public status: number, message: string, public reason = '', public causes: StatusCause[] = []) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

// leaving aborts every request of the page when the page is left (another
// URL, a reload, the tab closed). The browser itself does not: the
// response bodies it was streaming (watches, followed logs) stay open
// after the document is gone and keep holding their connections to the
// dashboard, until the next page has none left for its own requests. A
// page restored from the back-forward cache, its streams ended, loads
// afresh.
const leaving = new AbortController();
addEventListener('pagehide', () => leaving.abort());
addEventListener('pageshow', (e) => {
  if ((e as PageTransitionEvent).persisted) location.reload();
});

// request sends one request through the proxy and fails with an ApiError
// unless the answer is 2xx.
export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'X-Requested-With': 'ml-dashboard' };
  if (opts.accept) headers['Accept'] = opts.accept;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  let resp: Response;
  try {
    resp = await fetch(PREFIX + path, { method: opts.method || 'GET', headers, body, signal: opts.signal ? AbortSignal.any([opts.signal, leaving.signal]) : leaving.signal, credentials: 'same-origin' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the dashboard server: ${(e as Error).message}`);
  }
  if (!resp.ok) throw await errorOf(resp);
  return resp;
}

async function errorOf(resp: Response): Promise<ApiError> {
  const text = await resp.text().catch(() => '');
  try {
    const st = JSON.parse(text);
    if (st && st.kind === 'Status') {
      return new ApiError(resp.status, st.message || resp.statusText, st.reason || '', (st.details && st.details.causes) || []);
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return new ApiError(resp.status, text.trim() || `${resp.status} ${resp.statusText}`);
}

export async function getJSON<T = K8sObject>(path: string, opts: RequestOptions = {}): Promise<T> {
  const resp = await request(path, { accept: 'application/json', ...opts });
  return (await resp.json()) as T;
}

export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const resp = await request(path, { accept: '*/*', signal });
  return resp.text();
}

export function send<T = K8sObject>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  return getJSON<T>(path, { method, body, contentType });
}

export function mergePatch(path: string, patch: unknown): Promise<K8sObject> {
  return send('PATCH', withQuery(path, { fieldManager: 'ml-dashboard' }), patch, 'application/merge-patch+json');
}

// withQuery appends the non-empty parameters to path.
export function withQuery(path: string, q: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const qs = p.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

// objPath is the path of a resource of ml.example.io (or of any group
// given as "/apis/g/v" or "/api/v1") in a namespace, with an optional name
// and subresource.
export function objPath(resource: string, ns: string, name?: string, sub?: string, base = ML): string {
  let p = `${base}/namespaces/${encodeURIComponent(ns)}/${resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (sub) p += `/${sub}`;
  return p;
}

// errorText turns anything thrown into a line for the error banner.
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const causes = e.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).filter(Boolean);
    return causes.length ? `${e.message} (${causes.join('; ')})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------
// Streams

// readLines calls onLine for each line of a streamed response body.
export async function readLines(resp: Response, onLine: (line: string) => void): Promise<void> {
  const reader = resp.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line) onLine(line);
    }
  }
  buf += dec.decode();
  if (buf) onLine(buf);
}

// readChunks calls onChunk with the text of a streamed response as it comes.
export async function readChunks(resp: Response, onChunk: (text: string) => void): Promise<void> {
  const reader = resp.body!.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onChunk(dec.decode(value, { stream: true }));
  }
  const rest = dec.decode();
  if (rest) onChunk(rest);
}

// Browsers open at most 6 HTTP/1.1 connections to one host, and the
// dashboard is plain HTTP on loopback: a watch or a followed log holds one
// for as long as it lasts. Were all 6 held, every other request, and even
// the navigation to another page, would wait until one ended. So the
// pages keep at most MAX_STREAMS streams open; a live list beyond them
// lists again every POLL_MS instead of watching, until a stream is free.
export const MAX_STREAMS = 4;
const POLL_MS = 5000;
let openStreams = 0;

// takeStream reserves one of the streams, or returns null when all are in
// use; call the returned function when the stream has ended.
export function takeStream(): (() => void) | null {
  if (openStreams >= MAX_STREAMS) return null;
  openStreams++;
  let released = false;
  return () => {
    if (!released) {
      released = true;
      openStreams--;
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

// ---------------------------------------------------------------------------
// Live lists

export interface LiveOptions {
  labelSelector?: string;
  fieldSelector?: string;
  // onChange is called after the first list and after every batch of
  // watch events (at most once per animation frame).
  onChange: () => void;
  onError?: (e: unknown) => void;
}

// ListMeta is the metadata of a list (or a Table) page.
interface ListMeta { metadata: { resourceVersion: string; continue?: string } }

// LiveCollection keeps the entries of a collection up to date: it lists
// them (page by page), then watches from the list's resourceVersion. When
// the watch ends it resumes from the last resourceVersion it saw
// (bookmarks included); when that version is too old (410 Gone, as an
// ERROR event or a status) it lists again. It stops when its signal
// aborts. Subclasses say how a page and a watch event of their encoding
// read (objects, or server-rendered table rows) and call start() last in
// their constructors.
abstract class LiveCollection<T> {
  protected readonly entries = new Map<string, T>();
  loaded = false;
  // polling is set while the collection refreshes by listing, all streams being in use.
  polling = false;
  protected rv = '';
  private queued = false;

  constructor(private path: string, private opts: LiveOptions, protected signal: AbortSignal, private accept: string) {}

  // addPage adds the entries of one list page to into.
  protected abstract addPage(page: ListMeta, into: Map<string, T>): void;

  // applyEvent applies one watch event other than ERROR to entries and
  // records its resourceVersion (also of a BOOKMARK) in rv.
  protected abstract applyEvent(type: string, object: unknown): void;

  protected start(): void {
    void this.run();
  }

  private notify(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      if (!this.signal.aborted) this.opts.onChange();
    });
  }

  private query(extra: Record<string, string | number | boolean | undefined>): string {
    return withQuery(this.path, { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, ...extra });
  }

  private async relist(): Promise<void> {
    const entries = new Map<string, T>();
    let cont = '';
    do {
      const page = await getJSON<ListMeta>(this.query({ limit: 500, continue: cont || undefined }), { accept: this.accept, signal: this.signal });
      this.addPage(page, entries);
      cont = page.metadata.continue || '';
      this.rv = page.metadata.resourceVersion;
    } while (cont);
    this.entries.clear();
    for (const [k, v] of entries) this.entries.set(k, v);
    this.loaded = true;
    this.notify();
  }

  private async run(): Promise<void> {
    let backoff = 500;
    let needList = true;
    while (!this.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const release = takeStream();
        if (!release) {
          // No stream free: list again a little later.
          this.polling = true;
          await sleep(POLL_MS, this.signal);
          needList = true;
          continue;
        }
        this.polling = false;
        let gone = false;
        try {
          const resp = await request(this.query({ watch: 1, resourceVersion: this.rv, allowWatchBookmarks: true }), { accept: this.accept, signal: this.signal });
          backoff = 500;
          await readLines(resp, (line) => {
            const ev = JSON.parse(line) as { type: string; object: { code?: number; message?: string } };
            if (ev.type === 'ERROR') {
              if (ev.object.code === 410) gone = true;
              else throw new ApiError(ev.object.code || 500, ev.object.message || 'watch error');
              return;
            }
            this.applyEvent(ev.type, ev.object);
            if (ev.type !== 'BOOKMARK') this.notify();
          });
        } finally {
          release();
        }
        if (gone) needList = true;
      } catch (e) {
        if (this.signal.aborted) return;
        if (e instanceof ApiError && e.status === 410) {
          needList = true;
          continue;
        }
        this.opts.onError?.(e);
        if (e instanceof ApiError && (e.status === 403 || e.status === 404 || e.status === 401)) {
          // Not allowed or not served: the page shows the error; retry slowly.
          await sleep(15000, this.signal);
        } else {
          await sleep(backoff, this.signal);
          backoff = Math.min(backoff * 2, 10000);
        }
        needList = needList || !this.loaded;
      }
    }
  }
}

// LiveList is a live collection of objects, by name.
export class LiveList extends LiveCollection<K8sObject> {
  constructor(path: string, opts: LiveOptions, signal: AbortSignal) {
    super(path, opts, signal, 'application/json');
    this.start();
  }

  get items(): Map<string, K8sObject> {
    return this.entries;
  }

  get list(): K8sObject[] {
    return [...this.entries.values()];
  }

  protected addPage(page: ListMeta, into: Map<string, K8sObject>): void {
    for (const o of (page as ListMeta & { items: K8sObject[] }).items) into.set(o.metadata.name, o);
  }

  protected applyEvent(type: string, object: unknown): void {
    const o = object as K8sObject;
    if (o.metadata?.resourceVersion) this.rv = o.metadata.resourceVersion;
    if (type === 'BOOKMARK') return;
    if (type === 'DELETED') this.entries.delete(o.metadata.name);
    else this.entries.set(o.metadata.name, o);
  }
}

// LiveObject watches one object (a LiveList with a name field selector).
export class LiveObject {
  private list: LiveList;
  constructor(path: string, name: string, onChange: (o: K8sObject | undefined) => void, signal: AbortSignal, onError?: (e: unknown) => void) {
    this.list = new LiveList(path, {
      fieldSelector: `metadata.name=${name}`,
      onChange: () => onChange(this.list.items.get(name)),
      onError,
    }, signal);
  }
  get object(): K8sObject | undefined {
    return this.list.list[0];
  }
}

// ---------------------------------------------------------------------------
// Tables (server-side printer columns)

export interface TableColumn { name: string; type: string; format?: string; description?: string; priority?: number }
export interface TableRow { cells: unknown[]; object: { metadata: ObjectMeta } }
interface Table extends ListMeta { kind: string; columnDefinitions?: TableColumn[]; rows?: TableRow[] }

// LiveTable is a live collection of server-rendered table rows
// (Accept: application/json;as=Table): the columns are the printer
// columns the server defines for the kind, like `kubectl get`.
export class LiveTable extends LiveCollection<TableRow> {
  columns: TableColumn[] = [];

  constructor(path: string, opts: LiveOptions, signal: AbortSignal) {
    super(path, opts, signal, TABLE_ACCEPT);
    this.start();
  }

  get rows(): Map<string, TableRow> {
    return this.entries;
  }

  protected addPage(page: ListMeta, into: Map<string, TableRow>): void {
    const t = page as Table;
    if (t.columnDefinitions && t.columnDefinitions.length) this.columns = t.columnDefinitions;
    for (const r of t.rows || []) into.set(r.object.metadata.name, r);
  }

  protected applyEvent(type: string, object: unknown): void {
    const t = object as Table & { metadata: ObjectMeta };
    if (type === 'BOOKMARK') {
      // A bookmark carries an object of the kind (or a table row) with only its resourceVersion.
      const rv = t.metadata?.resourceVersion || t.rows?.[0]?.object.metadata.resourceVersion;
      if (rv) this.rv = rv;
      return;
    }
    if (t.columnDefinitions && t.columnDefinitions.length) this.columns = t.columnDefinitions;
    for (const r of t.rows || []) {
      if (r.object.metadata.resourceVersion) this.rv = r.object.metadata.resourceVersion;
      if (type === 'DELETED') this.entries.delete(r.object.metadata.name);
      else this.entries.set(r.object.metadata.name, r);
    }
  }
}

// ---------------------------------------------------------------------------
// Permissions

let ssarServed: boolean | undefined;
const permCache = new Map<string, Promise<boolean>>();

export interface Access { verb: string; resource: string; namespace: string; name?: string; subresource?: string; group?: string }

// can answers whether the user may do what a button does, so pages hide the
// buttons the user may not use. It asks a SelfSubjectAccessReview; where
// that API is not served (standalone mode serves only its own group and
// events), it asks the server to authorize the same request as a dry run
// (dryRun=All: authorization and admission, nothing stored), which is
// what the button would send. Unknown answers show the button: the server
// still refuses what the user may not do.
export function can(a: Access): Promise<boolean> {
  const key = JSON.stringify(a);
  let p = permCache.get(key);
  if (!p) {
    p = check(a).catch(() => true);
    permCache.set(key, p);
  }
  return p;
}

async function check(a: Access): Promise<boolean> {
  if (ssarServed !== false) {
    try {
      const review = await send<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group: a.group ?? GROUP, resource: a.resource, subresource: a.subresource, verb: a.verb, namespace: a.namespace, name: a.name } },
      });
      ssarServed = true;
      return !!review.status?.allowed;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) throw e;
      ssarServed = false;
    }
  }
  return probe(a);
}

async function probe(a: Access): Promise<boolean> {
  if (!a.name || (a.group && a.group !== GROUP)) return true;
  const path = withQuery(objPath(a.resource, a.namespace, a.name, a.subresource), { dryRun: 'All' });
  try {
    if (a.verb === 'delete') await request(path, { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
    else if (a.verb === 'patch' || a.verb === 'update') await request(path, { method: 'PATCH', body: {}, contentType: 'application/merge-patch+json' });
    else if (a.verb === 'get') await request(objPath(a.resource, a.namespace, a.name, a.subresource));
    else return true;
    return true;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 401)) return false;
    return true;
  }
}

// guard hides el until the user is known to be allowed to do a.
// data-access says how far the check got (pending, allowed, denied).
export function guard<T extends HTMLElement>(el: T, a: Access): T {
  el.hidden = true;
  el.dataset.access = 'pending';
  void can(a).then((ok) => {
    el.hidden = !ok;
    el.dataset.access = ok ? 'allowed' : 'denied';
  });
  return el;
}

// ---------------------------------------------------------------------------
// Discovery

export interface APIResource { name: string; kind: string; namespaced: boolean; verbs: string[]; shortNames?: string[]; categories?: string[] }

const discovery = new Map<string, Promise<APIResource[]>>();

// resources lists the resources of a group version ("ml.example.io/v1alpha1", "v1").
export function resources(groupVersion: string): Promise<APIResource[]> {
  let p = discovery.get(groupVersion);
  if (!p) {
    const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    p = getJSON<{ resources: APIResource[] }>(path).then((l) => l.resources || []);
    p.catch(() => discovery.delete(groupVersion));
    discovery.set(groupVersion, p);
  }
  return p;
}

// basePath is the API path prefix of a group version.
export function basePath(groupVersion: string): string {
  return groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
}
