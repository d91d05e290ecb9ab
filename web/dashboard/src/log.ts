// The log viewer: reads a log subresource, following it when asked
// (follow=true streams until the object ends), and keeps at most the last
// MAX_CHARS characters so a long log never slows the page.

import { errorText, readChunks, request, takeStream, withQuery } from './api';
import { h, replace } from './dom';

const MAX_CHARS = 1 << 20;

export class LogView {
  readonly el: HTMLElement;
  private pre: HTMLPreElement;
  private status: HTMLElement;
  private followBox: HTMLInputElement;
  private abort?: AbortController;
  private path = '';
  private query: Record<string, string> = {};

  constructor(private pageSignal: AbortSignal, label: string, follow = true) {
    this.pre = h('pre', { class: 'log', 'data-testid': 'log-view', tabindex: '0', 'aria-label': label, 'aria-live': 'off' });
    this.status = h('span', { class: 'muted small', 'aria-live': 'polite' });
    this.followBox = h('input', { type: 'checkbox', checked: follow, id: `follow-${Math.random().toString(36).slice(2)}` });
    this.followBox.addEventListener('change', () => this.reload());
    this.el = h('div', { class: 'log-box' },
      h('div', { class: 'log-bar' },
        h('label', { for: this.followBox.id }, this.followBox, ' Follow'),
        h('button', { type: 'button', onclick: () => this.reload() }, 'Reload'),
        this.status),
      this.pre);
    pageSignal.addEventListener('abort', () => this.abort?.abort());
  }

  // open shows the log at path (a log subresource) with the given options.
  open(path: string, query: Record<string, string> = {}): void {
    this.path = path;
    this.query = query;
    this.reload();
  }

  reload(): void {
    this.abort?.abort();
    if (this.pageSignal.aborted || !this.path) return;
    const ac = new AbortController();
    this.abort = ac;
    replace(this.pre);
    const text = document.createTextNode('');
    this.pre.appendChild(text);
    // A followed log holds a stream (see takeStream); without a free one
    // the log is read once.
    const release = this.followBox.checked ? takeStream() : null;
    const follow = !!release;
    this.status.textContent = follow ? 'following…' : this.followBox.checked ? 'loading (not following: the page has too many streams open; Reload later)…' : 'loading…';
    const url = withQuery(this.path, { ...this.query, follow: follow ? 'true' : undefined });
    const run = async (): Promise<void> => {
      // The log subresource answers text/plain but refuses an Accept of only
      // text/plain (406), as kubectl's */* gets through.
      const resp = await request(url, { accept: 'text/plain, */*', signal: ac.signal });
      let pending = '';
      let queued = false;
      const flush = (): void => {
        queued = false;
        const stick = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
        let all = text.data + pending;
        pending = '';
        if (all.length > MAX_CHARS) all = all.slice(all.length - MAX_CHARS);
        text.data = all;
        if (stick) this.pre.scrollTop = this.pre.scrollHeight;
      };
      await readChunks(resp, (chunk) => {
        pending += chunk;
        if (!queued) {
          queued = true;
          requestAnimationFrame(flush);
        }
      });
      flush();
      if (!ac.signal.aborted) this.status.textContent = text.data ? (follow ? 'ended' : this.followBox.checked ? 'not followed: too many streams open' : '') : 'no log lines';
    };
    run().catch((e) => {
      if (ac.signal.aborted) return;
      this.status.textContent = `log unavailable: ${errorText(e)}`;
    }).finally(() => release?.());
  }
}
