// The graph at another extraction share (the graph view's share slider). Each class graph
// ships, besides its vertices and edges (the graph at the configured share), `slider`:
// {range: [low, high], nodes, edges}, the vertices that enter below `high` and the edges they
// add; every vertex carries its `entry_share`: it is in the graph at share s exactly when
// entry_share < s (summit.method.pagerank.entry_shares). Nothing here is computed again from the
// Python side: the graph at s is that filter, plus one rule of the page's own, below.
// Pure functions; no global.

export const SHARE_STEP = 0.0025; // the slider's step: 0.25 percentage points

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** A share as the slider shows it: "7.5%", "12.25%". */
export function formatShare(s) {
  if (!isNum(s)) return '–';
  return `${(Math.round(s * 1e6) / 1e4).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** A slider's value read back as a number, rid of float noise (entry shares have 6 decimals). */
export const readShare = (value) => Number(Number(value).toFixed(6));

/**
 * The slider of a class graph: `{range: [low, high], share}`, or null when the graph has
 * none. `share` is the configured share: the graph's `slider.share`, else `known` (the
 * study's record of it), else the smallest step of the range above every configured vertex's
 * entry share (a graph without the field: the shares agree on every vertex either way).
 */
export function sliderOf(graph, known = null) {
  const range = graph?.slider?.range;
  if (!Array.isArray(range) || range.length !== 2 || !isNum(range[0]) || !isNum(range[1]) || !(range[0] < range[1])) return null;
  const [low, high] = range;
  let share = isNum(graph.slider.share) ? graph.slider.share : isNum(known) ? known : null;
  if (share === null) {
    const top = Math.max(-Infinity, ...(graph.nodes || []).map((n) => n.entry_share).filter(isNum));
    const k = Math.max(0, Math.floor((top - low) / SHARE_STEP + 1e-9) + 1);
    share = Math.min(high, readShare(low + k * SHARE_STEP));
  }
  return { range: [Math.min(low, share), Math.max(high, share)], share };
}

/**
 * The graph at share `s`: the vertices of the graph and of its slider whose entry share is
 * below `s`, and the edges (the graph's and the slider's) between them. The page's one rule
 * beyond the filter: from the configured share `share` up, the configured graph stays whole
 * (the unified extraction's coarse step may keep a vertex a little early), so that at `share`
 * the graph is exactly the configured one and vertices only enter as `s` grows. Vertices not
 * in the configured graph are marked `beyond: true`. A graph without slider data, or `s`
 * null, is returned as it is.
 */
export function graphAtShare(graph, s, share) {
  if (!isNum(s) || !graph?.slider) return graph;
  const whole = isNum(share) && s >= share;
  const keep = (n) => isNum(n.entry_share) && n.entry_share < s;
  const nodes = [
    ...(graph.nodes || []).filter((n) => whole || keep(n)),
    ...(graph.slider.nodes || []).filter(keep).map((n) => ({ ...n, beyond: true })),
  ];
  const shown = new Set(nodes.map((n) => n.id));
  const edges = [...(graph.edges || []), ...(graph.slider.edges || [])].filter((e) => shown.has(e.source) && shown.has(e.target));
  return { ...graph, nodes, edges };
}
