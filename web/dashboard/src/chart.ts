// Metric curves with uPlot: several series over the step axis, zoom by
// dragging a range (double-click resets), a legend with the values under
// the cursor. Series of different steps are aligned on the union of steps.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom';

export interface Point { step: number; value: number }
export interface Series { name: string; points: Point[] }

const COLOURS = ['#1f6fd1', '#d1495b', '#2a9d55', '#b56a00', '#7b4fc9', '#00838f', '#6d6d6d', '#c2185b'];

// lineChart draws series into a new element (data-testid metric-chart,
// data-points = the points of the first series in the plotted data). It resizes with its
// container; destroy it with the returned function.
export function lineChart(series: Series[], opts: { title?: string; xLabel?: string; height?: number; points?: boolean } = {}): { el: HTMLElement; destroy: () => void } {
  const data: (number | null)[][] = [];
  if (series.length === 1) {
    // One series: every point as it came (points of equal step included).
    data.push(series[0].points.map((p) => p.step), series[0].points.map((p) => p.value));
  } else {
    // Several: aligned on the union of their steps, gaps where a series has no point.
    const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
    const index = new Map(steps.map((st, i) => [st, i]));
    data.push(steps);
    for (const s of series) {
      const ys: (number | null)[] = new Array(steps.length).fill(null);
      for (const p of s.points) ys[index.get(p.step)!] = p.value;
      data.push(ys);
    }
  }
  const drawn = data.length > 1 ? data[1].filter((v) => v !== null).length : 0;
  const el = h('div', { class: 'chart', 'data-testid': 'metric-chart', role: 'img',
    'aria-label': `${opts.title || 'Chart'}: ${series.map((s) => `${s.name} (${s.points.length} points${s.points.length ? `, last ${fmt(s.points[s.points.length - 1].value)}` : ''})`).join(', ')}`,
    'data-points': drawn,
    'data-series': series.map((s) => s.name).join(',') });
  let plot: uPlot | undefined;
  const width = (): number => Math.max(280, Math.floor(el.clientWidth || 600));
  const make = (): void => {
    plot = new uPlot({
      width: width(),
      height: opts.height || 280,
      title: opts.title,
      scales: { x: { time: false } },
      cursor: { drag: { x: true, y: false } },
      axes: [{ label: opts.xLabel || 'step' }, {}],
      series: [{ label: opts.xLabel || 'step' }, ...series.map((s, i) => ({
        label: s.name,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        spanGaps: true,
        points: { show: opts.points ?? s.points.length < 60 },
        value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : fmt(v)),
      }))],
    }, data as uPlot.AlignedData, el);
  };
  // uPlot measures its container: draw once it is in the document.
  requestAnimationFrame(make);
  const ro = new ResizeObserver(() => plot?.setSize({ width: width(), height: opts.height || 280 }));
  ro.observe(el);
  return { el, destroy: () => { ro.disconnect(); plot?.destroy(); } };
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Math.round(v * 1e4) / 1e4);
}

// scatter draws points (x, y) as a small SVG plot; highlighted points are
// drawn larger, with a ring, and named in the title. Used for parameter vs
// objective.
export function scatter(pts: { x: number; y: number; label: string; best?: boolean }[], xLabel: string, yLabel: string, logX = false): SVGSVGElement {
  const W = 420, H = 260, L = 56, B = 36, T = 12, R = 12;
  const svgNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'scatter');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${yLabel} against ${xLabel}, ${pts.length} trials`);
  const tx = (x: number): number => (logX && x > 0 ? Math.log10(x) : x);
  const xs = pts.map((p) => tx(p.x)), ys = pts.map((p) => p.y);
  const [x0, x1] = range(xs), [y0, y1] = range(ys);
  const sx = (x: number): number => L + ((tx(x) - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => H - B - ((y - y0) / (y1 - y0)) * (H - B - T);
  const add = (tag: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
    const e = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  add('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' });
  add('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' });
  add('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-label' }, xLabel + (logX ? ' (log)' : ''));
  add('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, yLabel);
  for (const [v, i] of [[x0, 0], [x1, 1]] as [number, number][]) {
    add('text', { x: i ? W - R : L, y: H - B + 14, 'text-anchor': i ? 'end' : 'start', class: 'tick' }, fmt(logX ? 10 ** v : v));
  }
  for (const [v, i] of [[y0, 0], [y1, 1]] as [number, number][]) {
    add('text', { x: L - 4, y: i ? T + 8 : H - B, 'text-anchor': 'end', class: 'tick' }, fmt(v));
  }
  for (const p of pts) {
    const c = add('circle', { cx: sx(p.x), cy: sy(p.y), r: p.best ? 7 : 4, class: p.best ? 'pt best' : 'pt' });
    const t = document.createElementNS(svgNS, 'title');
    t.textContent = `${p.label}: ${xLabel}=${fmt(p.x)}, ${yLabel}=${fmt(p.y)}${p.best ? ' (best)' : ''}`;
    c.appendChild(t);
  }
  return svg;
}

function range(v: number[]): [number, number] {
  if (!v.length) return [0, 1];
  let lo = Math.min(...v), hi = Math.max(...v);
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}
