// The graph view's vertex card (graph.js), shown on hovering or focusing a vertex: the
// channel's details (count, PageRank, entry share, the per-class panels' rows, edges), its
// feature visualizations with their diversity images and its top dataset examples, then as
// they load its description (what the study measured about it: the channel_descriptions
// record's sentence, descriptions.js) and the class's activation density. Comparing models,
// the card states each model's channel and the match's score.
import { drawDensity } from './density.js';
import { channelDescription } from './descriptions.js';
import { formatFixed, formatInt, formatSig } from './format.js';
import { loadClassLayerStats } from './layers.js';
import { vertexRenders } from './models.js';
import { formatShare } from './share.js';
import { examplesSprite, spriteTile } from './sprites.js';
import { moveTooltip, showTooltip, tooltipRow } from './tooltip.js';
import { featvisOf } from './graph-vertices.js';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** ", in both classes" and the like: which of the drawn graphs hold the vertex. */
export function membershipText(view, n) {
  if (!n.membership) return '';
  const { record, modelNames } = view;
  const names = record
    ? { a: `${modelNames[0]} only`, b: `${modelNames[1]} only`, both: 'both models' }
    : { a: 'selected class only', b: 'comparison class only', both: 'both classes' };
  return `, in ${names[n.membership]}`;
}

/** "l2 channel 5", or for a vertex of the second model alone its own layer and channel. */
export function vertexName(view, n) {
  if (view.record && n.membership === 'b') return `${view.modelNames[1]}'s ${n.b_layer} channel ${n.b_channel}`;
  return `${n.layer} channel ${n.channel}`;
}

function cardRows(view, n, edges) {
  if (view.record) return modelRows(view, n, edges);
  const { study, st, entryShare, beyond } = view;
  const rows = [['layer', n.layer], ['channel', String(n.channel)]];
  if (n.counts) {
    rows.push([`count in ${study.classes[st.classIndex].name}`, formatInt(n.counts.a)]);
    rows.push([`count in ${study.classes[st.compareIndex].name}`, formatInt(n.counts.b)]);
  } else rows.push(['count', n.extra ? '– (not in the class graph)' : formatInt(n.count)]);
  if (!n.extra) rows.push(['pagerank', formatSig(n.pagerank)]);
  if (!n.counts && isNum(entryShare.get(n.id))) {
    rows.push(['enters the graph at', `${formatShare(entryShare.get(n.id))}${beyond.has(n.id) ? ' (beyond the configured)' : ''}`]);
  }
  const shown = n.counts ? [st.classIndex, st.compareIndex] : [st.classIndex];
  for (const cls of shown.map((i) => study.classes[i])) {
    for (const [key, value] of view.hooks.vertexLines(cls, n.id)) rows.push([n.counts ? `${key} in ${cls.name}` : key, value]);
  }
  rows.push(edgeRow(n, edges));
  return rows;
}

function edgeRow(n, edges) {
  const inE = edges.filter((e) => e.target === n.id).length;
  const outE = edges.filter((e) => e.source === n.id).length;
  return ['edges in / out', `${inE} / ${outE}`];
}

/** The card's rows comparing models: each model's channel, the match's score, the counts. */
function modelRows(view, n, edges) {
  const [a, b] = view.modelNames;
  const matched = isNum(n.score);
  const rows = [['in', { a: `${a} only`, b: `${b} only`, both: 'both models' }[n.membership]]];
  const mine = n.membership !== 'b' ? `${n.layer}:${n.channel}` : matched ? `${n.layer}:${n.channel} (not in its graph)` : '– (unmatched)';
  rows.push([`${a} channel`, mine]);
  rows.push([`${b} channel`, n.membership === 'a' ? '– (not in its graph)' : `${n.b_layer}:${n.b_channel}`]);
  rows.push(['match score', matched ? formatFixed(n.score) : n.membership === 'a' ? '–' : 'unmatched']);
  rows.push([`count in ${a}`, formatInt(n.counts?.a)]);
  rows.push([`count in ${b}`, formatInt(n.counts?.b)]);
  if (n.membership !== 'b') {
    rows.push(['pagerank', formatSig(n.pagerank)]);
    for (const [key, value] of view.hooks.vertexLines(view.study.classes[view.st.classIndex], n.id)) rows.push([key, value]);
  }
  rows.push(edgeRow(n, edges));
  return rows;
}

/** The hover card: details and the channel's images now, then its description (a row after
 * the details) and the class's activation density as they load (unless another card
 * replaced it). */
export function showCard(view, at, n, edges) {
  const { study, record } = view;
  const token = ++view.hoverToken;
  const title = record && n.membership === 'b' ? `${n.b_layer} · channel ${n.b_channel} of ${view.modelNames[1]}` : `${n.layer} · channel ${n.channel}`;
  const tip = showTooltip(at, title, cardRows(view, n, edges));
  appendFeatvis(view, tip, n);
  if (record && n.membership === 'b') {
    moveTooltip(at);
    return; // the rest is about this model's channels
  }
  const ex = examplesSprite(study, n.layer, n.channel);
  if (ex) appendExamples(tip, ex);
  moveTooltip(at);
  const current = () => token === view.hoverToken && !tip.hidden;
  channelDescription(study, n.layer, n.channel)
    .then((text) => {
      if (!current() || !text) return;
      const row = tooltipRow('description', text);
      row.classList.add('tt-description');
      const rows = tip.querySelectorAll('.tt-row');
      rows[rows.length - 1].after(row);
      moveTooltip(at);
    })
    .catch(() => {}); // the card stays useful without the description
  loadClassLayerStats(study, view.st.classIndex, n.layer)
    .then((s) => {
      if (!current()) return;
      const box = document.createElement('div');
      box.className = 'tt-density';
      box.append(caption(`activation over ${study.classes[view.st.classIndex].name} (low → high)`));
      tip.append(box);
      d3.select(box).append('svg').call(drawDensity, s.class?.[n.channel], { width: 200, height: 14 });
      moveTooltip(at);
    })
    .catch(() => {}); // the card stays useful without the histogram
}

/** Each of the vertex's renders: its feature visualization and diversity images, or why the
 * render failed. */
function appendFeatvis(view, tip, n) {
  const renders = view.record ? vertexRenders(n) : [{ model: 'a', layer: n.layer, channel: n.channel }];
  for (const r of renders) {
    const fv = featvisOf(view.study, r);
    const whose = view.record ? ` · ${view.modelNames[r.model === 'a' ? 0 : 1]}` : '';
    if (fv?.failed) {
      const note = caption(`render failed${whose}: ${fv.failed}`);
      note.classList.add('tt-failed');
      tip.append(note);
    } else if (fv) {
      const strip = document.createElement('div');
      strip.className = 'tt-featvis';
      strip.dataset.model = r.model;
      for (let j = 0; j < fv.count; j++) {
        const tile = spriteTile(fv, j, j === 0 ? 56 : 34, 'sprite');
        tile.classList.toggle('current', j === 0);
        strip.append(tile);
      }
      tip.append(caption(`${fv.count > 1 ? 'feature visualization · diversity' : 'feature visualization'}${whose}`), strip);
    }
  }
}

/** The channel's top dataset examples (their classes are in its description). */
function appendExamples(tip, ex) {
  const grid = document.createElement('div');
  grid.className = 'tt-examples';
  for (let k = 0; k < ex.count; k++) grid.append(spriteTile(ex, k, 38, 'sprite'));
  tip.append(caption('top dataset examples'), grid);
}

function caption(text) {
  const div = document.createElement('div');
  div.className = 'tt-key tt-caption';
  div.textContent = text;
  return div;
}
