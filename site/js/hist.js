// Small bar chart of a class's `prob_hist`: a histogram, over [0, 1], of the
// probability the model assigns to the true class. Bars below 0.5 are drawn in
// vermillion, the rest in blue.

/** Normalise a histogram into bar records `{i, x0, x1, value, frac}`. */
function histBins(counts) {
  const values = Array.isArray(counts) ? counts.map((v) => (Number.isFinite(v) ? v : 0)) : [];
  const n = values.length;
  const max = d3.max(values) || 1;
  return values.map((value, i) => ({ i, x0: i / n, x1: (i + 1) / n, value, frac: value / max }));
}

/**
 * Draw bars into an <svg> selection (data-bound or not).
 * @param sel      d3 selection of <svg> elements
 * @param getHist  function(datum) -> counts array
 */
export function drawHist(sel, getHist, { width, height, pad = 1, axis = true } = {}) {
  sel.attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
  sel.each(function (d) {
    const svg = d3.select(this);
    const bins = histBins(getHist(d));
    const bw = bins.length ? width / bins.length : 0;
    const base = height - (axis ? 1 : 0);
    svg
      .selectAll('rect')
      .data(bins)
      .join('rect')
      .attr('class', (b) => (b.x1 <= 0.5 ? 'low' : 'high'))
      .attr('x', (b) => b.i * bw + pad / 2)
      .attr('width', Math.max(0.5, bw - pad))
      .attr('y', (b) => base - b.frac * base)
      .attr('height', (b) => b.frac * base);
    if (axis) {
      svg
        .selectAll('line.axis')
        .data([0])
        .join('line')
        .attr('class', 'axis')
        .attr('x1', 0)
        .attr('x2', width)
        .attr('y1', height - 0.5)
        .attr('y2', height - 0.5);
    }
  });
  return sel;
}

/** The same bars as two paths (low and high), three elements per chart, for long class lists. */
export function drawHistPaths(svg, counts, { width, height }) {
  const bins = histBins(counts);
  const bw = bins.length ? width / bins.length : 0;
  const base = height - 1;
  const bar = (b) => `M${b.i * bw + 0.5},${base}v${-b.frac * base}h${Math.max(0.5, bw - 1)}v${b.frac * base}z`;
  svg.attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
  svg.append('path').attr('class', 'low').attr('d', bins.filter((b) => b.x1 <= 0.5).map(bar).join(''));
  svg.append('path').attr('class', 'high').attr('d', bins.filter((b) => b.x1 > 0.5).map(bar).join(''));
  svg.append('path').attr('class', 'axis').attr('d', `M0,${height - 0.5}H${width}`);
}
