// Metric curves of an object: its metrics subresource read with maxPoints
// (the server downsamples longer series, keeping their shape), one chart
// per series, re-read while the object runs.

import { errorText, getJSON, objPath, withQuery } from './api';
import { Series, lineChart } from './chart';
import { h, replace } from './dom';

// MAX_POINTS is how many points per series the charts ask for.
export const MAX_POINTS = 1000;

export interface MetricsResponse { series?: (Series & { task?: string; count?: number; downsampled?: boolean })[] }

export function fetchMetrics(resource: string, ns: string, name: string, q: Record<string, string> = {}, signal?: AbortSignal): Promise<MetricsResponse> {
  return getJSON<MetricsResponse>(withQuery(objPath(resource, ns, name, 'metrics'), { maxPoints: MAX_POINTS, ...q }), { signal });
}

// MetricCharts shows an object's series and refreshes them when told
// (at most every few seconds: each refresh reads every series).
export class MetricCharts {
  readonly el = h('div', { 'data-testid': 'metric-charts', 'data-max-points': MAX_POINTS });
  private destroyers: (() => void)[] = [];
  private last = 0;
  private timer?: number;
  private inFlight = false;
  loaded = false;

  constructor(private resource: string, private ns: string, private name: string, private signal: AbortSignal, private query: Record<string, string> = {}) {
    signal.addEventListener('abort', () => { this.clear(); clearTimeout(this.timer); });
  }

  private clear(): void {
    for (const d of this.destroyers) d();
    this.destroyers = [];
  }

  // refresh reads the series again, now or after the minimum interval.
  refresh(minIntervalMs = 3000): Promise<void> {
    const wait = this.last + minIntervalMs - Date.now();
    if (wait > 0) {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.refresh(0), wait);
      return Promise.resolve();
    }
    return this.load();
  }

  private async load(): Promise<void> {
    if (this.inFlight || this.signal.aborted) return;
    this.inFlight = true;
    this.last = Date.now();
    try {
      const m = await fetchMetrics(this.resource, this.ns, this.name, this.query, this.signal);
      this.clear();
      // Losses first (the curve people look for), then by name.
      const rank = (n: string): number => (/loss/i.test(n) ? 0 : 1);
      const series = (m.series || []).filter((s) => s.points?.length)
        .sort((a, b) => rank(a.name) - rank(b.name) || (a.task || '').localeCompare(b.task || '') || a.name.localeCompare(b.name));
      if (!series.length) {
        replace(this.el, h('p', { class: 'muted' }, 'No metrics yet.'));
      } else {
        const charts = series.map((s) => {
          const c = lineChart([s], { title: (s.task ? `${s.task}: ` : '') + s.name + (s.downsampled ? ` (${s.points.length} of ${s.count} points)` : '') });
          this.destroyers.push(c.destroy);
          return c.el;
        });
        replace(this.el, h('p', { class: 'muted small' }, 'Drag across a chart to zoom, double-click to reset; click a legend entry to hide its series.'), h('div', { class: 'charts' }, charts));
      }
    } catch (e) {
      if (!this.signal.aborted) replace(this.el, h('p', { class: 'muted' }, `Metrics unavailable: ${errorText(e)}`));
    } finally {
      this.inFlight = false;
      this.loaded = true;
    }
  }
}
