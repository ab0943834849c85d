// A horizontal density bar: one cell per histogram bin, opacity ∝ the bin's share of the
// largest bin (seed 004's design). Used by the channel panel and the vertex hover card.

/** Draw `counts` into the d3 `<svg>` selection `svg` as a `width` × `height` density bar. */
export function drawDensity(svg, counts, { width, height, className = 'density' }) {
  const values = Array.isArray(counts) ? counts.map((v) => (Number.isFinite(v) ? v : 0)) : [];
  const max = d3.max(values) || 0;
  const cell = values.length ? width / values.length : 0;
  svg.attr('class', className).attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
  svg.selectAll('rect.frame').data([0]).join('rect').attr('class', 'frame').attr('width', width).attr('height', height);
  svg
    .selectAll('rect.cell')
    .data(values)
    .join('rect')
    .attr('class', 'cell')
    .attr('x', (_, i) => i * cell)
    .attr('width', cell + 0.3)
    .attr('height', height)
    .attr('fill-opacity', (v) => (max ? v / max : 0));
  svg.select('rect.frame').raise();
  return svg;
}
