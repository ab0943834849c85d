// The graph view's sliders (graph.js): the count filter and the width and height stretches,
// and the share slider, which re-extracts the shown classes' graphs at another share
// (share.js); a value moved away from the configured share is kept while the slider stays the
// same. Vertices beyond the configured graph are drawn pale, and so are a panel's extra
// vertices (graphStyle `extra`: an opened image's own channels outside the class's graph).
import { formatInt } from './format.js';
import { union } from './graph-layout.js';
import { shownClasses } from './graph-marks.js';
import { SHARE_STEP, formatShare, graphAtShare, readShare, sliderOf } from './share.js';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** The sliders' elements: `{sliders: {minCount, width, height}, share: {control, input,
 * output, reset, tick}}`. */
export function findControls() {
  const byId = (id) => document.getElementById(id);
  return {
    sliders: { minCount: byId('filter-count'), width: byId('graph-width'), height: byId('graph-height') },
    share: {
      control: byId('share-control'),
      input: byId('graph-share'),
      output: byId('graph-share-value'),
      reset: byId('graph-share-reset'),
      tick: byId('share-configured'),
    },
  };
}

/** The count filter: the smallest count a drawn vertex has (a share of the largest). */
export function minCount(view) {
  return Math.ceil((Number(view.controls.sliders.minCount.value) / 100) * view.maxCount);
}

export function showSliderValues(view) {
  const { sliders, share } = view.controls;
  document.getElementById('filter-count-value').textContent = `≥ ${formatInt(minCount(view))}`;
  if (view.slider) {
    share.output.textContent = formatShare(view.shareValue);
    share.reset.disabled = view.shareValue === view.slider.share;
  }
  document.getElementById('graph-width-value').textContent = `${sliders.width.value}%`;
  document.getElementById('graph-height-value').textContent = `${sliders.height.value}%`;
}

/** Draw the graph again (`redraw()`) as a slider moves; the share slider first re-extracts
 * the graph (and its reset button goes back to the configured share). */
export function bindControls(view, redraw) {
  const { sliders, share } = view.controls;
  for (const input of Object.values(sliders)) input.addEventListener('input', () => redraw());
  share.input.addEventListener('input', () => {
    if (!view.slider || !view.sources.length) return;
    view.shareValue = readShare(share.input.value);
    rebuild(view);
    redraw();
  });
  share.reset.addEventListener('click', () => {
    if (!view.slider || !view.sources.length) return;
    view.shareValue = view.slider.share;
    share.input.value = String(view.shareValue);
    rebuild(view);
    redraw();
  });
  showSliderValues(view);
}

/** The share slider of the drawn graphs (the selected class's, else the compared one's):
 * hidden without slider data; a value moved away from the configured share is kept while
 * the slider stays the same (the study's setting), else it starts at the configured one. */
export function setUpShare(view, picked) {
  const { share } = view.controls;
  const { slider } = view;
  // comparing models: the graphs as configured (the second model's has no other share)
  const next = view.record ? null : view.sources.map((g, k) => sliderOf(g, picked[k]?.share)).find(Boolean) ?? null;
  const same = slider && next && slider.share === next.share && slider.range.every((v, k) => v === next.range[k]);
  view.slider = next;
  share.control.hidden = !next;
  if (!next) {
    view.shareValue = null;
    return;
  }
  if (!same || !isNum(view.shareValue)) view.shareValue = next.share;
  share.input.min = String(next.range[0]);
  share.input.max = String(next.range[1]);
  share.input.step = String(SHARE_STEP);
  share.input.value = String(view.shareValue);
  share.tick.value = String(next.share);
  share.reset.title = `Back to the configured share, ${formatShare(next.share)}`;
  share.reset.setAttribute('aria-label', share.reset.title);
  showSliderValues(view);
}

/** The graph drawn: each shown class's graph at the slider's share, their union if two, and
 * the panels' extra vertices. */
export function rebuild(view) {
  const { slider, shareValue } = view;
  const shown = view.sources.map((g) => (slider ? graphAtShare(g, shareValue, slider.share) : g));
  const extras = panelExtras(view);
  const graph = withExtras(shown.length > 1 ? union(shown[0], shown[1]) : shown[0], extras);
  view.extrasKey = extrasKey(extras);
  view.graphData = graph;
  view.maxCount = d3.max(graph.nodes, (n) => n.count) || 0;
  const configured = new Set(shown.flatMap((g) => g.nodes.filter((n) => !n.beyond).map((n) => n.id)));
  view.beyond = new Set(graph.nodes.filter((n) => !configured.has(n.id) && !n.extra).map((n) => n.id));
  view.extras = new Set(graph.nodes.filter((n) => n.extra).map((n) => n.id));
  view.entryShare = new Map(shown[0].nodes.map((n) => [n.id, n.entry_share]));
}

/** The panels' extra graphs (graphStyle `extra`, `{nodes, edges}`) of the shown classes, each
 * with the membership its vertices take ("a" or "b" comparing classes, else null); none while
 * comparing models (the panels' records are about this model's graph). */
export function panelExtras(view) {
  if (view.record) return [];
  const classes = shownClasses(view);
  return classes.flatMap((cls, k) =>
    view.hooks
      .graphStyles(cls)
      .filter((s) => s.extra)
      .map((s) => ({ graph: s.extra, membership: classes.length > 1 ? (k ? 'b' : 'a') : null })),
  );
}

/** What identifies the panels' extras: the graph drawn changes when it does. */
export function extrasKey(extras) {
  const ids = (g) => [...(g.nodes || []).map((n) => n.id), ...(g.edges || []).map((e) => `${e.source}>${e.target}`)];
  return JSON.stringify(extras.map((x) => [x.membership, ids(x.graph)]));
}

/** `graph` with the extras' vertices it lacks (marked `extra`, count 0: no class count) and
 * their edges between drawn vertices that it lacks. */
export function withExtras(graph, extras) {
  if (!extras.length) return graph;
  const nodes = [...graph.nodes];
  const ids = new Set(nodes.map((n) => n.id));
  for (const { graph: g, membership } of extras) {
    for (const n of g.nodes || []) {
      if (ids.has(n.id)) continue;
      ids.add(n.id);
      nodes.push({ id: n.id, layer: n.layer, channel: n.channel, count: 0, pagerank: null, extra: true, membership });
    }
  }
  const key = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const keys = new Set(graph.edges.map((e) => key(e.source, e.target)));
  const edges = [...graph.edges];
  for (const { graph: g, membership } of extras) {
    for (const e of g.edges || []) {
      const k = key(e.source, e.target);
      if (keys.has(k) || !ids.has(e.source) || !ids.has(e.target)) continue;
      keys.add(k);
      edges.push({ source: e.source, target: e.target, weight: 0, membership });
    }
  }
  return { ...graph, nodes, edges };
}
