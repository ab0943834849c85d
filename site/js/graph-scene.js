// The graph view's drawing surface (graph.js): the SVG's layers, zoom and pan, the hatch that
// fills a vertex whose render failed, and a laid-out graph's layer rows (last layer on top;
// clicking a row's name selects the layer) and edges (curves with width by weight).
import { fitTransform } from './graph-layout.js';

export const HATCH = 'render-failed-hatch'; // fills the vertices whose render failed

/** The SVG's layers: the vertices' image patterns, the hatch, and one zoomed group of rows,
 * edges and vertices; zoom and pan by wheel and drag (not double-click). */
export function createScene(svg) {
  const defs = svg.append('defs');
  const hatch = svg
    .append('defs')
    .append('pattern')
    .attr('id', HATCH)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 5)
    .attr('height', 5)
    .attr('patternTransform', 'rotate(45)');
  hatch.append('rect').attr('width', 5).attr('height', 5).attr('fill', '#fff');
  hatch.append('line').attr('x1', 2.5).attr('x2', 2.5).attr('y2', 5).attr('stroke', '#D55E00').attr('stroke-width', 1.4);
  const zoomG = svg.append('g').attr('class', 'zoom-layer');
  const rowsG = zoomG.append('g').attr('class', 'rows');
  const edgesG = zoomG.append('g').attr('class', 'edges');
  const nodesG = zoomG.append('g').attr('class', 'nodes');
  const zoom = d3
    .zoom()
    .scaleExtent([0.1, 10])
    .on('zoom', (event) => zoomG.attr('transform', event.transform));
  svg.call(zoom).on('dblclick.zoom', null);
  return { svg, defs, rowsG, edgesG, nodesG, zoom };
}

/** Centre the laid-out graph in the `width` × `height` view at once. */
export function refit(view, width, height) {
  view.fit = fitTransform(view.layout.bounds, width, height);
  view.scene.svg.interrupt().call(view.scene.zoom.transform, view.fit);
}

/** Back to the centred view, animated (the "Reset view" button). */
export function resetZoom(view) {
  view.scene.svg.transition().duration(500).call(view.scene.zoom.transform, view.fit);
}

/** One row per layer: a band, a line, the layer's name and channels, and comparing models of
 * other architectures the second model's layer matched with it. */
export function drawRows(view, t) {
  const { layout } = view;
  const rowSel = view.scene.rowsG
    .selectAll('g.row')
    .data(layout.rows, (d) => d.name)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'row').attr('transform', (d) => `translate(0,${d.y})`);
      g.append('rect').attr('class', 'row-band');
      g.append('line').attr('class', 'row-line');
      g.append('text').attr('class', 'row-label');
      g.append('text').attr('class', 'row-sub');
      g.append('text').attr('class', 'row-sub row-b');
      return g;
    });
  rowSel.transition(t).attr('transform', (d) => `translate(0,${d.y})`);
  const bandH = Math.min(Math.max(layout.rowGap * 0.85, 2 * layout.rMax + 8), 2 * layout.rMax + 36);
  rowSel
    .select('rect')
    .attr('x', layout.bounds.x0 + 4)
    .attr('width', layout.bounds.x1 - layout.bounds.x0 - 8)
    .attr('y', -bandH / 2)
    .attr('height', bandH)
    .attr('rx', 6);
  rowSel.select('line').attr('x1', layout.labelX + 6).attr('x2', layout.bounds.x1 - 10);
  rowSel
    .select('text.row-label')
    .attr('x', layout.labelX)
    .attr('y', -2)
    .attr('text-anchor', 'end')
    .text((d) => d.name)
    .on('click', (event, d) => view.hooks.onSelectLayer(d.name));
  rowSel
    .select('text.row-sub')
    .attr('x', layout.labelX)
    .attr('y', 11)
    .attr('text-anchor', 'end')
    .text((d) => (d.n === 1 ? '1 channel' : `${d.n} channels`));
  drawMatchedLayers(view, rowSel);
}

/** Comparing models of other architectures: under each row's name, the second model's layer
 * matched with it (nothing where the names agree). */
function drawMatchedLayers(view, rowSel) {
  const { record, modelNames } = view;
  const bLayer = (name) => (record ? record.matching?.[name]?.layer_b ?? null : null);
  rowSel
    .select('text.row-b')
    .attr('x', view.layout.labelX)
    .attr('y', 23)
    .attr('text-anchor', 'end')
    .each(function (d) {
      const b = bLayer(d.name);
      const label = d3.select(this).text(b && b !== d.name ? `↔ ${b}` : '');
      if (b && b !== d.name) label.append('title').text(`${modelNames[1]}'s layer ${b}, its channels matched with ${d.name}'s`);
    });
}

/** The edges, each a visible curve plus a wider transparent one that catches the pointer;
 * returns their selection. */
export function drawEdges(view, t) {
  const { nodeById, edges } = view.layout;
  const link = d3
    .linkVertical()
    .x((p) => p.x)
    .y((p) => p.y);
  const edgePath = (e) => {
    const s = nodeById.get(e.source);
    const tg = nodeById.get(e.target);
    return link({ source: { x: s.x, y: s.y - s.r }, target: { x: tg.x, y: tg.y + tg.r } });
  };
  const edgeSel = view.scene.edgesG
    .selectAll('g.edge')
    .data(edges, (e) => e.id)
    .join(
      (enter) => {
        const g = enter.append('g').attr('class', 'edge').attr('opacity', 0);
        g.append('path').attr('class', 'edge-line').attr('d', edgePath);
        g.append('path').attr('class', 'edge-hit').attr('d', edgePath);
        return g;
      },
      (update) => update,
      (exit) => exit.classed('leaving', true).transition(t).attr('opacity', 0).remove(),
    )
    .classed('leaving', false)
    .attr('data-membership', (e) => e.membership ?? 'single')
    .order();
  edgeSel.transition(t).attr('opacity', 1);
  edgeSel.select('path.edge-line').transition(t).attr('d', edgePath).attr('stroke-width', (e) => e.width);
  edgeSel.select('path.edge-hit').attr('d', edgePath).attr('stroke-width', (e) => Math.max(8, e.width + 4));
  return edgeSel;
}

/** Mark the selected layer's row. */
export function applyLayerHighlight(view) {
  const { rowsG } = view.scene;
  rowsG.selectAll('rect.row-band').classed('current', (d) => d.name === view.st.layer);
  rowsG.selectAll('text.row-label').classed('current', (d) => d.name === view.st.layer);
}
