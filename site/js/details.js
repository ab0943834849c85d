// Details of the selected class (below the embedding): counts and a larger prob_hist chart.
import { formatInt, formatPct } from './format.js';
import { drawHist } from './hist.js';

const W = 320;
const H = 54;

export function createDetails({ study }) {
  const root = d3.select('#class-details');

  return {
    update(st, changed) {
      if (!changed.has('classIndex') && !changed.has('study')) return;
      const c = study.classes[st.classIndex];
      root.selectAll('*').remove();
      if (!c) return;
      root.append('h3').text(c.name);
      const dl = root.append('dl');
      const rows = [
        ['Class id', String(c.id)],
        ['Images', formatInt(c.n_images)],
        ['Top-1 accuracy', formatPct(c.accuracy)],
        ['Graph', `${formatInt(c.n_vertices)} vertices, ${formatInt(c.n_edges)} edges`],
      ];
      for (const [k, v] of rows) {
        dl.append('dt').text(k);
        dl.append('dd').text(v);
      }
      if (Array.isArray(c.prob_hist) && c.prob_hist.length) {
        root.append('div').attr('class', 'muted hint').text('Predicted probability of the true class:');
        const svg = root
          .append('svg')
          .attr('class', 'hist big-hist')
          .attr('role', 'img')
          .attr('aria-label', 'Histogram of the predicted probability of the true class');
        const g = svg.append('svg').datum(c).call(drawHist, (d) => d.prob_hist, { width: W, height: H - 14 });
        g.attr('y', 0);
        svg.attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`);
        svg
          .selectAll('text')
          .data([0, 0.5, 1])
          .join('text')
          .attr('x', (v) => v * W)
          .attr('y', H - 2)
          .attr('text-anchor', (v) => (v === 0 ? 'start' : v === 1 ? 'end' : 'middle'))
          .text((v) => String(v));
      }
    },
  };
}
