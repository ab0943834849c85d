// Page header: study title and summary numbers.
import { formatInt, formatParams, formatPct } from './format.js';

export function renderHeader(study) {
  const title = study.title || 'Summit';
  document.getElementById('title').textContent = title;
  document.title = `${title} — Summit`;

  const model = study.model || {};
  const dataset = study.dataset || {};
  const items = [
    ['Model', [model.name, model.kind].filter(Boolean).join(' · ') || '–'],
    ['Parameters', formatParams(model.parameters)],
    ['Dataset', dataset.name || '–'],
    ['Classes', formatInt(dataset.n_classes ?? study.classes.length)],
    ['Images', formatInt(dataset.n_images)],
  ];
  if (typeof model.test_accuracy === 'number') items.push(['Test accuracy', formatPct(model.test_accuracy)]);
  items.push(['Top-1 (summarised images)', formatPct(study.accuracy)]);

  d3.select('#summary')
    .selectAll('div')
    .data(items)
    .join((enter) => {
      const div = enter.append('div');
      div.append('dt');
      div.append('dd');
      return div;
    })
    .call((div) => div.select('dt').text((d) => d[0]))
    .call((div) => div.select('dd').text((d) => d[1]));
}
