// The ml-apiserver dashboard: a thin client of the API, served by
// `kubectl ml dashboard`. Every page is live through watches; nothing is
// kept on the server.

import './style.css';
import { Route, start } from './app';
import { genericDetail } from './detail';
import { comparePage } from './pages/compare';
import { createPage } from './pages/create';
import { listPage } from './pages/list';
import { overviewPage } from './pages/overview';
import { pipelineRunPage } from './pages/pipelinerun';
import { modelPage, notebookPage } from './pages/serving';
import { trainingJobPage } from './pages/trainingjob';
import { tuningJobPage } from './pages/tuningjob';

const detailPages: Record<string, Route['render']> = {
  pipelineruns: pipelineRunPage,
  trainingjobs: trainingJobPage,
  tuningjobs: tuningJobPage,
  models: modelPage,
  notebooks: notebookPage,
};

const routes: Route[] = [
  { match: (p) => p.length === 0, render: overviewPage },
  { match: (p) => p.length === 1 && p[0] === 'compare', render: comparePage },
  { match: (p) => p.length === 1 && p[0] === 'create', render: createPage },
  { match: (p) => p.length === 1, render: listPage },
  { match: (p) => p.length === 2, render: (pg) => (detailPages[pg.parts[0]] || genericDetail)(pg) },
];

void start(routes);
