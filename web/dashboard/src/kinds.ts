// The kinds the dashboard knows by name. The navigation lists every
// namespaced resource of ml.example.io the server serves (discovery), in
// this order first; kinds it does not know get the generic pages.

import { APIResource, GROUP, VERSION, resources } from './api';

export interface KindInfo {
  resource: string; // plural, as in the URL
  kind: string;
  title: string; // the navigation label
  // scalable kinds have a scale subresource the pages offer.
  scalable?: boolean;
}

export const KNOWN: KindInfo[] = [
  { resource: 'pipelineruns', kind: 'PipelineRun', title: 'Pipeline runs' },
  { resource: 'pipelines', kind: 'Pipeline', title: 'Pipelines' },
  { resource: 'recurringruns', kind: 'RecurringRun', title: 'Recurring runs' },
  { resource: 'trainingjobs', kind: 'TrainingJob', title: 'Training jobs', scalable: true },
  { resource: 'tuningjobs', kind: 'TuningJob', title: 'Tuning jobs' },
  { resource: 'models', kind: 'Model', title: 'Models', scalable: true },
  { resource: 'notebooks', kind: 'Notebook', title: 'Notebooks', scalable: true },
  { resource: 'trainingruntimes', kind: 'TrainingRuntime', title: 'Training runtimes' },
  { resource: 'servingruntimes', kind: 'ServingRuntime', title: 'Serving runtimes' },
];

// The kinds whose objects run and so have a phase worth counting.
export const RUNNING_KINDS = ['pipelineruns', 'trainingjobs', 'tuningjobs', 'models', 'notebooks', 'recurringruns'];

let served: Promise<KindInfo[]> | undefined;

// servedKinds are the namespaced, top-level resources of the group, known
// kinds first in their order, then the others by name.
export function servedKinds(): Promise<KindInfo[]> {
  if (!served) {
    served = resources(`${GROUP}/${VERSION}`).then((rs: APIResource[]) => {
      const top = rs.filter((r) => r.namespaced && !r.name.includes('/') && r.verbs.includes('list'));
      const names = new Set(top.map((r) => r.name));
      const out = KNOWN.filter((k) => names.has(k.resource));
      for (const r of top.sort((a, b) => a.name.localeCompare(b.name))) {
        if (!KNOWN.some((k) => k.resource === r.name)) {
          out.push({ resource: r.name, kind: r.kind, title: r.kind });
        }
      }
      const subs = new Set(rs.filter((r) => r.name.endsWith('/scale')).map((r) => r.name.split('/')[0]));
      for (const k of out) k.scalable = subs.has(k.resource);
      return out;
    }).catch(() => KNOWN.slice());
  }
  return served;
}

export function kindInfo(resource: string): KindInfo {
  return KNOWN.find((k) => k.resource === resource) || { resource, kind: resource, title: resource };
}
