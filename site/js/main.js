// Entry point: load data/study.json, build the views, and keep them and the URL hash in sync
// with the shared state (a selection change adds a history entry, so Back/Forward work).
import { checkStudy, loadJSON } from './data.js';
import { showError } from './errors.js';
import { renderHeader, renderProvenance } from './header.js';
import { createSidebar } from './sidebar.js';
import { createEmbedding } from './embedding.js';
import { createGraph } from './graph.js';
import { createChannelPanel } from './channel.js';
import { createDetails } from './details.js';
import { createAnalyses } from './analyses.js';
import { createPanels } from './panels.js';
import { URL_KEYS, parseHash, resolveSelection, setState, state, subscribe, toHash } from './state.js';

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
  renderProvenance(study);

  const selectClass = (classIndex) => setState({ classIndex });
  const selectLayer = (layer) => setState({ layer });
  const selectCompare = (compareIndex) => setState({ compareIndex: compareIndex === state.classIndex ? null : compareIndex });
  const selectChannel = (channel) => setState({ channel });
  const hoverClass = (hoverClass) => setState({ hoverClass });

  const panels = createPanels({ study, onSelect: (patch) => setState(patch) });
  const graph = createGraph({
    study,
    onSelectLayer: selectLayer,
    onSelectChannel: selectChannel,
    onClearHighlight: () => setState({ highlight: null }),
    onToggleModels: (models) => setState({ models }),
    vertexLines: panels.vertexLines,
    graphStyles: panels.graphStyles,
  });
  panels.onChange(graph.restyle);
  const views = [
    createSidebar({
      study,
      onSelect: selectClass,
      onCompare: selectCompare,
      onHover: hoverClass,
      onVisible: (visibleClasses) => setState({ visibleClasses }),
      onError: showError,
    }),
    createEmbedding({ study, onSelectClass: selectClass, onSelectLayer: selectLayer, onHover: hoverClass }),
    createDetails({ study }),
    graph,
    createChannelPanel({ study, onClear: () => selectChannel(null), onSelect: (patch) => setState(patch) }),
    panels,
  ];

  createAnalyses({ study, onSelect: (patch) => setState(patch), onError: showError });

  subscribe((changed, st) => {
    for (const view of views) view.update(st, changed);
    if (URL_KEYS.some((k) => changed.has(k)) && window.location.hash !== toHash(st)) window.location.hash = toHash(st);
  });

  Object.assign(state, { study }, resolveSelection(study, parseHash(window.location.hash)));
  const all = new Set(['study', ...URL_KEYS]);
  for (const view of views) view.update(state, all);
  // Normalise the URL without adding a history entry.
  if (window.location.hash !== toHash(state)) history.replaceState(null, '', toHash(state));

  window.addEventListener('hashchange', () => {
    setState(resolveSelection(study, parseHash(window.location.hash)));
    if (window.location.hash !== toHash(state)) history.replaceState(null, '', toHash(state));
  });
  document.body.dataset.ready = 'true';
}

start().catch((err) => showError(`Unexpected error: ${err.message}`));
