// A small Markdown renderer for report artifacts. It builds DOM nodes
// (text through textContent only), so a report can never inject markup or
// script: headings, paragraphs, lists, code blocks, block quotes, tables,
// rules, and inline code, emphasis and links (http, https and mailto only).

import { h } from './dom';

export function renderMarkdown(src: string): HTMLElement {
  const root = h('div', { class: 'markdown' });
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) { i++; continue; }
    const fence = line.match(/^(```|~~~)/);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith(fence[1])) code.push(lines[i++]);
      i++;
      root.appendChild(h('pre', null, h('code', null, code.join('\n'))));
      continue;
    }
    const hd = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (hd) {
      const tag = ('h' + Math.min(6, hd[1].length + 2)) as 'h3';
      root.appendChild(inline(h(tag), hd[2]));
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { root.appendChild(h('hr')); i++; continue; }
    if (line.startsWith('>')) {
      const q: string[] = [];
      while (i < lines.length && lines[i].startsWith('>')) q.push(lines[i++].replace(/^>\s?/, ''));
      const bq = h('blockquote');
      bq.appendChild(renderMarkdown(q.join('\n')));
      root.appendChild(bq);
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-+/.test(lines[i + 1])) {
      const cells = (l: string): string[] => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
      const head = cells(line);
      i += 2;
      const body: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) body.push(cells(lines[i++]));
      root.appendChild(h('table', null,
        h('thead', null, h('tr', null, head.map((c) => inline(h('th'), c)))),
        h('tbody', null, body.map((r) => h('tr', null, r.map((c) => inline(h('td'), c)))))));
      continue;
    }
    const li = line.match(/^\s*([-*+]|\d+[.)])\s+/);
    if (li) {
      const ordered = /\d/.test(li[1]);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length) {
        const m = lines[i].match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
        if (!m) break;
        list.appendChild(inline(h('li'), m[2]));
        i++;
      }
      root.appendChild(list);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !/^(#{1,6}\s|```|~~~|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i])) para.push(lines[i++]);
    if (!para.length) para.push(lines[i++]);
    root.appendChild(inline(h('p'), para.join(' ')));
  }
  return root;
}

// Underscores emphasise only outside words (snake_case stays as it is).
const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*|(?<!\w)__[^_]+__(?!\w))|(\*[^*\s][^*]*\*|(?<!\w)_[^_]+_(?!\w))|(\[[^\]]+\]\([^)\s]+\))/;

function inline(el: HTMLElement, text: string): HTMLElement {
  let rest = text;
  for (;;) {
    const m = rest.match(INLINE);
    if (!m || m.index === undefined) break;
    if (m.index > 0) el.appendChild(document.createTextNode(rest.slice(0, m.index)));
    const tok = m[0];
    if (m[1]) el.appendChild(h('code', null, tok.slice(1, -1)));
    else if (m[2]) el.appendChild(inline(h('strong'), tok.slice(2, -2)));
    else if (m[3]) el.appendChild(inline(h('em'), tok.slice(1, -1)));
    else {
      const lm = tok.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/)!;
      const url = lm[2];
      if (/^(https?:|mailto:)/i.test(url)) el.appendChild(inline(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }), lm[1]));
      else el.appendChild(document.createTextNode(lm[1]));
    }
    rest = rest.slice(m.index + tok.length);
  }
  if (rest) el.appendChild(document.createTextNode(rest));
  return el;
}
