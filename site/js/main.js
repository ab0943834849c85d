// Entry point: load data/study.json, build the views, and keep them and the
// URL hash (#class=<id>&layer=<name>) in sync with the shared state.
import { checkStudy, loadJSON } from './data.js';
import { showError } from './errors.js';
import { renderHeader } from './header.js';
import { createSidebar } from './sidebar.js';
import { createEmbedding } from './embedding.js';
import { createGraph } from './graph.js';
import { createDetails } from './details.js';
import { parseHash, resolveSelection, setState, state, subscribe, toHash } from './state.js';

async function start() {
  if (typeof d3 === 'undefined') {
    showError('vendor/d3.min.js did not load; the page cannot be drawn.');
    return;
  }
  if (window.location.protocol === 'file:') {
    showError(
      'This page must be served over HTTP (browsers block fetch() of local files), e.g. ' +
        'python -m http.server -d results/site',
    );
    return;
  }

  let study;
  try {
    study = checkStudy(await loadJSON('data/study.json'));
  } catch (err) {
    showError(`Could not load the study: ${err.message}`);
    return;
  }

  renderHeader(study);

  const selectClass = (classIndex) => setState({ classIndex });
  const selectLayer = (layer) => setState({ layer });

  const views = [
    createSidebar({ study, onSelect: selectClass }),
    createEmbedding({ study, onSelectClass: selectClass, onSelectLayer: selectLayer }),
    createDetails({ study }),
    createGraph({ study, onSelectLayer: selectLayer }),
  ];

  subscribe((changed, st) => {
    for (const view of views) view.update(st, changed);
    const hash = toHash(st);
    if (window.location.hash !== hash) window.location.hash = hash;
  });

  const initial = resolveSelection(study, parseHash(window.location.hash));
  state.study = study;
  state.classIndex = initial.classIndex;
  state.layer = initial.layer;
  const all = new Set(['study', 'classIndex', 'layer']);
  for (const view of views) view.update(state, all);
  // Normalise the URL without adding a history entry.
  if (window.location.hash !== toHash(state)) history.replaceState(null, '', toHash(state));

  window.addEventListener('hashchange', () => {
    const sel = resolveSelection(study, parseHash(window.location.hash));
    setState({ classIndex: sel.classIndex, layer: sel.layer });
    if (window.location.hash !== toHash(state)) history.replaceState(null, '', toHash(state));
  });
}

start().catch((err) => showError(`Unexpected error: ${err.message}`));
