// Attribution-graph view: the selected class's graph (or its union with the comparison
// class's), one row per layer with the last layer on top, vertices sized by count and drawn
// as the channel's feature visualization (else its top dataset example, else its number),
// edges as curves with width by weight; a vertex whose render failed is hatched with a dotted
// outline and its card says why (a grey render is no feature). Zoom/pan/reset; sliders
// filter vertices by count and stretch the graph, with animated transitions; moving the
// mouse across a vertex flips through its diversity images; hovering a vertex greys the
// rest, animates its edges and shows a card with the channel's details, images and dataset
// examples; hovering an edge highlights both ends; clicking (or Enter on) a vertex selects
// its channel. A highlight set by the Analyses panel (a motif's channels) is marked, with a
// legend to clear it. A share slider re-extracts the graph at another share (share.js):
// vertices beyond the configured graph are pale, and show a feature visualization only if
// one was rendered (else their number). Per-class panels may mark vertices and edges
// (`graphStyle`, see panels.js: a ring, a dashed ring with a word, edge opacity), with a
// legend. With a second model (study.json `models`), a toggle draws the class's graph together
// with that model's, its channels matched to this model's (models.js): a matched pair is one
// vertex showing this model's render on the left half and the other's on the right; the
// tally states the share of the graph the other model keeps. Comparing models and comparing
// classes exclude each other (state.js).
//
// This module loads the graphs and draws them; the parts are graph-scene.js (SVG, zoom, rows,
// edges), graph-vertices.js, graph-card.js (the hover card), graph-hover.js (pointer and
// keyboard), graph-marks.js (the panels' marks, legend and tally) and graph-controls.js (the
// sliders). They share one `view` object (createView).
import { loadJSON } from './data.js';
import { showError } from './errors.js';
import { layoutGraph } from './graph-layout.js';
import { loadModelComparison, modelLabels } from './models.js';
import { hideTooltip } from './tooltip.js';
import { bindControls, extrasKey, findControls, minCount, panelExtras, rebuild, setUpShare, showSliderValues } from './graph-controls.js';
import { bindHover } from './graph-hover.js';
import { applyStyles } from './graph-marks.js';
import { applyLayerHighlight, createScene, drawEdges, drawRows, refit, resetZoom } from './graph-scene.js';
import { drawVertices } from './graph-vertices.js';

const DURATION = 450;

async function loadGraph(cls) {
  const data = await loadJSON(cls.graph);
  if (!data || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
    throw new Error(`${cls.graph}: expected "nodes" and "edges" arrays`);
  }
  return data;
}

/** `vertexLines(cls, vertexId)`: more rows for a vertex's card (the per-class panels');
 * `graphStyles(cls)`: the panels' marks for the class's graph (panels.js `graphStyle`);
 * `onToggleModels(on)`: the comparison with the second model switched on or off. */
export function createGraph({ study, onSelectLayer, onSelectChannel, onClearHighlight, onToggleModels = () => {}, vertexLines = () => [], graphStyles = () => [] }) {
  const view = createView(study, { onSelectLayer, onSelectChannel, vertexLines, graphStyles });
  document.getElementById('highlight-clear').addEventListener('click', () => onClearHighlight());
  setUpModelsToggle(view, onToggleModels);
  document.getElementById('graph-reset').addEventListener('click', () => resetZoom(view));
  bindControls(view, () => render(view));
  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => render(view, { refit: true, animate: false }), 120);
  }).observe(view.el.body);

  return {
    /** Draw the panels' marks again (a panel's record arrived); if the panels' extra
     * vertices changed, the graph with them. */
    restyle() {
      if (!view.graphData) return;
      if (extrasKey(panelExtras(view)) === view.extrasKey) {
        applyStyles(view);
        return;
      }
      rebuild(view);
      render(view);
    },
    update(state, changed) {
      view.st = state;
      if (changed.has('layer')) applyLayerHighlight(view);
      if (['classIndex', 'compareIndex', 'models', 'study'].some((k) => changed.has(k))) load(view);
      else if (changed.has('channel')) view.scene.nodesG.selectAll('g.node').classed('selected', (n) => n.id === state.channel);
      if (changed.has('highlight') || changed.has('study')) showHighlight(view);
    },
  };
}

/** The state the graph view's modules share: the study, the callbacks (`hooks`), the page's
 * elements, the SVG (`scene`), the sliders (`controls`), and what is drawn now. */
function createView(study, hooks) {
  const fullNames = study.models?.names ?? null; // [A, B] when the study compares two models
  return {
    study,
    hooks,
    el: {
      body: document.getElementById('graph-body'),
      message: document.getElementById('graph-message'),
      classLabel: d3.select('#graph-class'),
      stats: d3.select('#graph-stats'),
      legend: document.getElementById('compare-legend'),
      highlightLegend: document.getElementById('highlight-legend'),
      supportLegend: d3.select('#support-legend'),
      modelsToggle: document.getElementById('graph-models'),
    },
    scene: createScene(d3.select('#graph-svg')),
    controls: findControls(),
    layerNames: study.layers.map((l) => l.name),
    fullNames,
    // what the view writes: "A", "B (seed 1)"; the full names are in the control's tooltip
    modelNames: fullNames ? modelLabels(fullNames) : null,
    st: null, // the page's state (state.js)
    layout: null, // the drawn graph's layout (graph-layout.js layoutGraph)
    graphData: null, // the graph drawn (graph-controls.js rebuild)
    sources: [], // the shown classes' graphs as loaded
    record: null, // the class's comparison with the second model, while it is drawn
    slider: null, // {range, share} of the shown graph's share slider, or null
    shareValue: null, // the slider's share (the configured one until moved)
    beyond: new Set(), // ids of the vertices shown beyond the configured graph
    extras: new Set(), // ids of the panels' extra vertices drawn (graph-controls.js)
    extrasKey: '', // the panels' extras the drawn graph holds (graph-controls.js extrasKey)
    entryShare: new Map(), // vertex id -> its entry share (the selected class's)
    styleOf: new Map(), // vertex id -> the panels' combined mark, or null (graph-marks.js)
    shows: new Map(), // vertex id -> per render it shows, {render, sprite, failed} (graph-vertices.js)
    patternIds: new Map(), // vertex id -> id of its image pattern
    maxCount: 0,
    fit: d3.zoomIdentity, // the zoom that centres the graph
    ticket: 0, // the newest load request
    hoverToken: 0, // the newest vertex card
  };
}

/** With a second model, the toggle that draws its graph with this one's. */
function setUpModelsToggle(view, onToggleModels) {
  const { fullNames, modelNames } = view;
  const control = document.getElementById('models-control');
  control.hidden = !modelNames;
  if (!modelNames) return;
  document.getElementById('models-name').textContent = modelNames[1];
  control.title =
    `A = ${fullNames[0]}, B = ${fullNames[1]}. Draw the class's graph together with B's, B's channels matched to A's by their ` +
    "responses: a matched pair is one vertex, A's render on the left half, B's on the right";
  const toggle = view.el.modelsToggle;
  toggle.addEventListener('change', () => onToggleModels(toggle.checked));
}

function setMessage(view, text, isError = false) {
  const { message } = view.el;
  message.hidden = !text;
  message.textContent = text || '';
  message.classList.toggle('error', isError);
}

/** Lay out and draw the current graph; `refit` re-centres it, `animate` tweens the change. */
function render(view, { refit: recentre = false, animate = true } = {}) {
  showSliderValues(view);
  if (!view.graphData) return;
  const width = view.el.body.clientWidth;
  const height = view.el.body.clientHeight;
  if (!width || !height) return;
  const { sliders } = view.controls;
  view.layout = layoutGraph(view.graphData, view.layerNames, {
    width,
    height,
    minCount: minCount(view),
    widthScale: Number(sliders.width.value) / 100,
    heightScale: Number(sliders.height.value) / 100,
  });
  if (view.record) keepModelFields(view);
  const t = view.scene.svg.transition().duration(animate ? DURATION : 0).ease(d3.easeCubicInOut);
  drawRows(view, t);
  const edgeSel = drawEdges(view, t);
  const nodeSel = drawVertices(view, t);
  bindHover(view, nodeSel, edgeSel, view.layout.edges);
  applyLayerHighlight(view);
  applyStyles(view);
  if (recentre) refit(view, width, height);
  setMessage(view, view.layout.nodes.length ? '' : 'No vertex passes the count filter.');
}

/** The layout keeps the fields it draws; a vertex of the second model keeps its own too. */
function keepModelFields(view) {
  const raw = new Map(view.graphData.nodes.map((n) => [n.id, n]));
  for (const n of view.layout.nodes) {
    const r = raw.get(n.id);
    if (r?.b_channel != null) Object.assign(n, { b_layer: r.b_layer, b_channel: r.b_channel, score: r.score ?? null });
  }
}

/** Whether the second model's graph is drawn with the selected class's. */
const comparingModels = (view) => Boolean(view.modelNames && view.st.models);

function showHeading(view) {
  const { study, st, modelNames, el } = view;
  const cls = study.classes[st.classIndex];
  const other = st.compareIndex == null ? null : study.classes[st.compareIndex];
  const models = comparingModels(view);
  el.classLabel.text(models ? `— ${cls.name}: ${modelNames[0]} vs ${modelNames[1]}` : other ? `— ${cls.name} vs ${other.name}` : `— ${cls.name}`);
  d3.select('#graph-heading').attr('title', el.classLabel.text().slice(2));
  el.legend.hidden = !other && !models;
  const names = models ? modelNames : other ? [cls.name, other.name] : null;
  if (names) {
    const titles = models ? view.fullNames : names;
    d3.select('#legend-a').text(names[0]).attr('title', titles[0]);
    d3.select('#legend-b').text(names[1]).attr('title', titles[1]);
  }
  d3.select('#legend-both')
    .text(models ? "both: each half its model's render" : 'both')
    .attr('title', models ? `A channel of ${modelNames[0]} matched with one of ${modelNames[1]}, both in their graphs: one vertex, ${modelNames[0]}'s render on the left half, ${modelNames[1]}'s on the right` : null);
  el.modelsToggle.checked = models;
}

/** Load the graphs of the shown classes (and the comparison with the second model) and draw
 * them, unless a newer selection superseded this one. */
async function load(view) {
  const mine = ++view.ticket;
  const { st, study } = view;
  const models = comparingModels(view);
  const picked = (models ? [st.classIndex] : [st.classIndex, st.compareIndex]).filter((i) => i != null).map((i) => study.classes[i]);
  showHeading(view);
  hideTooltip();
  let graphs;
  let compared = null;
  try {
    [compared, ...graphs] = await Promise.all([models ? loadModelComparison(study, picked[0]) : null, ...picked.map(loadGraph)]);
  } catch (err) {
    if (mine === view.ticket) showLoadError(view, err);
    return;
  }
  if (mine !== view.ticket) return; // a newer selection superseded this one
  view.record = compared;
  view.sources = view.record ? [graphs[0], view.record.graph_b] : graphs;
  setUpShare(view, picked);
  rebuild(view);
  render(view, { refit: true, animate: view.layout !== null });
}

/** A graph that did not load: nothing drawn, and why. */
function showLoadError(view, err) {
  Object.assign(view, { graphData: null, sources: [], record: null, layout: null });
  const { rowsG, edgesG, nodesG } = view.scene;
  rowsG.selectAll('*').remove();
  edgesG.selectAll('*').remove();
  nodesG.selectAll('*').remove();
  view.el.stats.text('');
  setMessage(view, `Could not load the attribution graph: ${err.message}`, true);
  showError(`Could not load an attribution graph: ${err.message}`);
}

/** The Analyses panel's highlight (a motif's channels): marked vertices and a legend. */
function showHighlight(view) {
  const h = view.st.highlight;
  view.el.highlightLegend.hidden = !h;
  d3.select('#highlight-label').text(h ? `${h.label}: ${h.ids.size} channels marked` : '');
  view.scene.nodesG.selectAll('g.node').classed('motif', (n) => Boolean(h?.ids.has(n.id)));
}
