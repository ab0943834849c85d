// Page header: study title, summary numbers, and the study's provenance (what it was made
// from: package versions, checksums), all set as text.
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
  // Training warnings (e.g. too few optimiser steps for the data) are not to be missed.
  for (const warning of model.warnings || []) items.push(['Warning', warning, true]);

  d3.select('#summary')
    .selectAll('div')
    .data(items)
    .join((enter) => {
      const div = enter.append('div');
      div.append('dt');
      div.append('dd');
      return div;
    })
    .classed('warning', (d) => Boolean(d[2]))
    .call((div) => div.select('dt').text((d) => d[0]))
    .call((div) => div.select('dd').text((d) => d[1]));
}

/** The provenance record as label/value rows (long values shortened, full text on hover). */
export function provenanceRows(p) {
  if (!p || typeof p !== 'object') return [];
  const short = (hash) => (typeof hash === 'string' ? hash.slice(0, 16) : '–');
  const packages = Object.entries(p.packages || {})
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    ['Model weights', `${p.model?.weights ?? '–'}`, p.model?.weights],
    ['Weights SHA-256', short(p.model?.weights_sha256), p.model?.weights_sha256],
    ['Dataset SHA-256', short(p.dataset?.sha256), `${p.dataset?.sha256 ?? ''} (${p.dataset?.method ?? ''}, ${p.dataset?.files ?? '?'} files)`],
    ['Config SHA-256', short(p.config_sha256), p.config_sha256],
    ['Code commit', `${short(p.code_commit)}${p.code_modified ? ' (modified)' : ''}`, p.code_commit],
    ['Python', `${p.python ?? '–'} on ${p.platform ?? '–'}`],
    ['Accelerator', p.machine?.accelerator ?? 'none (CPU)'],
    ['Packages', packages || '–'],
  ];
}

export function renderProvenance(study) {
  const rows = provenanceRows(study.provenance);
  const box = document.getElementById('provenance');
  box.hidden = rows.length === 0;
  const list = d3.select('#provenance-list');
  list.selectAll('*').remove();
  for (const [key, value, full] of rows) {
    list.append('dt').text(key);
    list.append('dd').text(value).attr('title', full ?? value);
  }
}
