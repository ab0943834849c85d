// Evidence: the class's attribution graph tested by intervention (the faithfulness stage; the
// record's format is summit.io.artifacts.Faithfulness). For one extraction variant at a time
// (the configured one first; a table switches and says which scores higher): the graph's
// channels ablated against random and frequency-matched sets of the same size per scope,
// accuracy kept with the graph's channels only, deletion and insertion curves against random
// orders, the drop on other classes, and how PageRank ranks single-channel effects. Tests draw
// their sets until the verdict is settled, and some values are first-order estimates (the
// record marks them `estimated`): the panel says how many. Every name and number is set as
// text.
import { formatFixed, formatInt, formatP, formatPct, shortLayerNames } from '../format.js';

export const title = 'Evidence';

const VARIANT_NAMES = { per_layer: 'per-layer', unified: 'unified' };
const SPECIFIC_TOP = 5; // other classes drawn as bars: the most hurt
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const nums = (list) => (Array.isArray(list) ? list.filter(isNum) : []);
const variantName = (name) => VARIANT_NAMES[name] ?? name;

/** The card row of a vertex: its logit drop when ablated alone, with its interval (a
 * first-order estimate where the record says so). */
export function vertexLine(record, vertexId) {
  const c = record.channels?.[vertexId];
  const e = c?.logit;
  if (!e) return null;
  const label = c.estimated ? 'ablated alone, first-order logit drop' : 'ablated alone, logit drop';
  return [label, `${formatFixed(e.mean)} [${formatFixed(e.low)}, ${formatFixed(e.high)}]`];
}

export function render(root, record, { study }) {
  const width = Math.floor(root.node().getBoundingClientRect().width) || 320;
  const box = root.append('div').attr('class', 'evidence');
  const n = record.n_images;
  box
    .append('p')
    .attr('class', 'ev-head')
    .text(`${formatInt(n)} ${record.split} image${n === 1 ? '' : 's'} · ${record.ablation} ablation · ${isNum(record.level) ? 'up to ' : ''}${formatInt(record.repeats)} random sets`);
  if (record.in_sample) box.append('p').attr('class', 'ev-warning').text('in-sample: these images built the graph');

  const names = Object.keys(record.variants || {});
  if (!names.length) {
    box.append('p').attr('class', 'muted hint').text('No graph variant was tested.');
    return;
  }
  const table = box.append('table').attr('class', 'ev-variants');
  const body = box.append('div');
  const best = d3.greatest(names, (v) => (isNum(record.variants[v].score) ? record.variants[v].score : -Infinity));
  const head = table.append('thead').append('tr');
  for (const [text, tip] of [
    ['graph', 'Extraction variant; click to show its evidence'],
    ['vertices', null],
    ['score', "All-layer logit drop minus the random sets' mean: how much more the graph matters than chance (the class list sorts by the configured one's)"],
  ]) {
    head.append('th').attr('title', tip).text(text);
  }
  const rows = table
    .append('tbody')
    .selectAll('tr')
    .data(names)
    .join('tr')
    .on('click', (event, v) => show(v));
  rows
    .append('td')
    .append('button')
    .attr('type', 'button')
    .attr('class', 'ev-variant')
    .text((v) => `${variantName(v)}${v === record.configured ? ' (configured)' : ''}`);
  rows.append('td').text((v) => formatInt(record.variants[v].vertices?.length ?? 0));
  rows
    .append('td')
    .text((v) => `${formatFixed(record.variants[v].score)}${names.length > 1 && v === best ? ' ★' : ''}`)
    .attr('title', (v) => (names.length > 1 && v === best ? 'the more faithful variant' : null));

  function show(v) {
    rows.classed('current', (d) => d === v).select('button').attr('aria-pressed', (d) => String(d === v));
    body.selectAll('*').remove();
    drawVariant(body, record, record.variants[v], study, width);
  }
  show(names.includes(record.configured) ? record.configured : names[0]);
}

/** How a variant's sets were drawn and how many are first-order estimates (records written
 * before the sequential tests drew every set). */
function drawnNote(record, v) {
  if (!isNum(record.level)) return '';
  const flags = Object.values(v.ablation || {}).flatMap((a) => Object.values(a.estimated ?? {}).flat());
  const estimated = flags.filter(Boolean).length;
  return (
    ` Each test draws sets until its verdict at the ${record.level} level is settled (p strong: significant).` +
    (estimated ? ` ${formatInt(estimated)} of the ${formatInt(flags.length)} sets drawn are first-order estimates, not ablated.` : '')
  );
}

function section(parent, heading, hint) {
  const s = parent.append('div').attr('class', 'ev-section');
  s.append('h3').text(heading);
  if (hint) s.append('p').attr('class', 'muted hint').text(hint);
  return s;
}

/** A scope's row label: its layer's name as the layer map shows it (features.11 → 11, the
 * whole name in the row's tooltip), or 'all'. */
function scopeLabeller(study) {
  const names = (study?.layers ?? []).map((l) => l.name);
  const short = new Map(d3.zip(names, shortLayerNames(names)));
  return (scope) => (scope === 'all' ? 'all' : short.get(scope) ?? scope);
}

function drawVariant(root, record, v, study, width) {
  const scopes = Object.keys(v.ablation || {});
  const label = scopeLabeller(study);
  if (!v.vertices?.length) {
    root.append('p').attr('class', 'muted hint ev-empty').text('This graph has no vertices: nothing to ablate.');
    rankCorrelation(root, v, record);
    return;
  }
  const how = record.ablation === 'zero' ? 'zero' : 'their mean';
  ablation(
    section(root, 'Ablating the graph', `Drop of the true-class logit with the graph's channels set to ${how}, per layer and all at once, against channel sets of the same size.${drawnNote(record, v)}`),
    v,
    scopes,
    width,
    label,
  );
  sufficiency(
    section(root, 'Keeping only the graph', "Top-1 accuracy with every other channel of the scope ablated, against random keep-sets of the same size."),
    v,
    scopes,
    record.clean?.accuracy,
    width,
    label,
  );
  curves(
    section(root, 'Removing and restoring vertices', 'Mean P(true class) as vertices are removed from the clean net, or restored into a fully ablated one, highest PageRank first. Faithful: the graph falls (rises) faster than random orders.'),
    v.curves || {},
    width,
  );
  specificity(section(root, 'Specificity', "Logit drop of each class's own logit when this graph is ablated on its images."), v.specificity, study);
  rankCorrelation(root, v, record);
}

/** An HTML legend: [class of the mark, text] pairs; wraps rather than clips. */
function legend(parent, items) {
  const p = parent.append('p').attr('class', 'ev-legend');
  for (const [mark, text] of items) {
    const item = p.append('span');
    item.append('span').attr('class', `ev-key ${mark}`).attr('aria-hidden', 'true');
    item.append('span').text(text);
  }
}

/** Shorten an SVG text to `max` pixels (full text in its <title>). */
function fitText(sel, max) {
  sel.each(function () {
    const full = this.textContent;
    if (this.getComputedTextLength() <= max) return;
    let s = full;
    while (s.length > 1 && this.getComputedTextLength() > max) {
      s = s.slice(0, -1);
      this.textContent = `${s}…`;
    }
    d3.select(this).append('title').text(full);
  });
}

/** A box from the first to the third quartile, whiskers over the range, a median tick. */
function boxPlot(g, values, x, y, cls) {
  const v = nums(values).sort(d3.ascending);
  if (!v.length) return;
  const [q1, med, q3] = [0.25, 0.5, 0.75].map((q) => d3.quantileSorted(v, q));
  const b = g.append('g').attr('class', `ev-box ${cls}`);
  b.append('line').attr('class', 'whisker').attr('x1', x(v[0])).attr('x2', x(v[v.length - 1])).attr('y1', y).attr('y2', y);
  b.append('rect').attr('x', x(q1)).attr('width', Math.max(1, x(q3) - x(q1))).attr('y', y - 3).attr('height', 6);
  b.append('line').attr('class', 'median').attr('x1', x(med)).attr('x2', x(med)).attr('y1', y - 4).attr('y2', y + 4);
}

/** A point estimate {mean, low, high} as a dot with its interval. */
function estimate(g, e, x, y, cls, r = 3.5) {
  if (!isNum(e?.mean)) return;
  const m = g.append('g').attr('class', `ev-est ${cls}`);
  if (isNum(e.low) && isNum(e.high)) {
    m.append('path').attr('d', `M${x(e.low)},${y - 3}v6M${x(e.low)},${y}H${x(e.high)}M${x(e.high)},${y - 3}v6`);
  }
  m.append('circle').attr('cx', x(e.mean)).attr('cy', y).attr('r', r);
}

function axis(svg, x, y, label, width, format) {
  const g = svg.append('g').attr('class', 'ev-axis').attr('transform', `translate(0,${y})`);
  g.call(d3.axisBottom(x).ticks(4).tickSize(3).tickFormat(format));
  g.selectAll('.tick text').attr('font-size', null);
  g.attr('font-size', null).attr('font-family', null);
  svg.append('text').attr('class', 'ev-axis-label').attr('x', (x.range()[0] + x.range()[1]) / 2).attr('y', y + 26).attr('text-anchor', 'middle').text(label);
}

/** A row's label, shortened to `max` pixels; the scope's whole name in its <title>. */
function scopeText(g, scope, label, max, y) {
  const text = g.append('text').attr('class', 'ev-row-label').attr('x', 0).attr('y', y).text(label(scope)).call(fitText, max);
  if (label(scope) !== scope && text.select('title').empty()) text.append('title').text(scope);
}

function rowLabel(g, scope, label, sub, labelW) {
  scopeText(g, scope, label, labelW - 4, -1);
  g.append('text').attr('class', 'ev-row-sub').attr('x', 0).attr('y', 10).text(sub);
}

function ablation(s, v, scopes, width, label) {
  legend(s, [['graph', 'graph (interval)'], ['top', 'most frequent channels'], ['random', 'random sets'], ['matched', 'frequency-matched sets']]);
  const labelW = 58;
  const colW = 50;
  const rowH = 34;
  const top = 26;
  const height = top + rowH * scopes.length + 32;
  const x0 = labelW;
  const x1 = width - 2 * colW - 8;
  const a = v.ablation;
  const values = [0];
  for (const scope of scopes) {
    const r = a[scope];
    for (const e of [r.graph?.logit, r.top_count?.logit]) values.push(...nums([e?.mean, e?.low, e?.high]));
    values.push(...nums(r.random?.logit), ...nums(r.matched?.logit));
  }
  const x = d3.scaleLinear().domain(d3.extent(values)).nice(4).range([x0, x1]);
  const svg = s.append('svg').attr('class', 'ev-chart ev-ablation').attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
  svg.append('text').attr('class', 'ev-col-head').attr('x', width - colW).attr('y', 9).attr('text-anchor', 'middle').text('p-value vs');
  for (const [k, text] of [[1, 'random'], [0, 'matched']]) {
    svg.append('text').attr('class', 'ev-col-head').attr('x', width - k * colW - 2).attr('y', 20).attr('text-anchor', 'end').text(text);
  }
  svg.append('line').attr('class', 'ev-zero').attr('x1', x(0)).attr('x2', x(0)).attr('y1', top - 2).attr('y2', top + rowH * scopes.length);
  scopes.forEach((scope, i) => {
    const r = a[scope];
    const g = svg.append('g').attr('class', 'ev-row').attr('data-scope', scope).attr('transform', `translate(0,${top + rowH * i + rowH / 2})`);
    rowLabel(g, scope, label, `${formatInt(r.size)} ch.`, labelW);
    if (!r.size) {
      g.append('text').attr('class', 'ev-row-sub').attr('x', x0).attr('y', 4).text('no vertex here');
      return;
    }
    boxPlot(g, r.random?.logit, x, -10, 'random');
    boxPlot(g, r.matched?.logit, x, 10, 'matched');
    const t = r.top_count?.logit?.mean;
    if (isNum(t)) g.append('path').attr('class', 'ev-top').attr('d', d3.symbol(d3.symbolDiamond, 40)()).attr('transform', `translate(${x(t)},0)`);
    estimate(g, r.graph?.logit, x, 0, 'graph'); // on top: the graph is the point
    for (const [k, kind] of [[1, 'random'], [0, 'matched']]) {
      const p = r[`p_${kind}`];
      const significant = r.significant ? r.significant[kind] : isNum(p) && p <= 0.05;
      g.append('text')
        .attr('class', `ev-p${significant ? ' strong' : ''}`)
        .attr('x', width - k * colW - 2)
        .attr('y', 4)
        .attr('text-anchor', 'end')
        .text(formatP(p));
    }
  });
  axis(svg, x, top + rowH * scopes.length + 2, 'logit drop (clean − ablated)', width, d3.format('~g'));
}

function sufficiency(s, v, scopes, clean, width, label) {
  legend(s, [['graph', 'graph only'], ['random', 'random keep-sets'], ['clean', `clean ${formatPct(clean)}`]]);
  const labelW = 58;
  const colW = 48;
  const rowH = 24;
  const top = 14;
  const height = top + rowH * scopes.length + 32;
  const x = d3.scaleLinear().domain([0, 1]).range([labelW, width - colW - 8]);
  const svg = s.append('svg').attr('class', 'ev-chart ev-sufficiency').attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
  svg.append('text').attr('class', 'ev-col-head').attr('x', width - 2).attr('y', 9).attr('text-anchor', 'end').text('of clean');
  if (isNum(clean)) svg.append('line').attr('class', 'ev-clean').attr('x1', x(clean)).attr('x2', x(clean)).attr('y1', top - 4).attr('y2', top + rowH * scopes.length);
  scopes.forEach((scope, i) => {
    const r = v.sufficiency?.[scope] ?? {};
    const g = svg.append('g').attr('class', 'ev-row').attr('data-scope', scope).attr('transform', `translate(0,${top + rowH * i + rowH / 2})`);
    scopeText(g, scope, label, labelW - 4, 4);
    boxPlot(g, r.random, x, 0, 'random');
    if (isNum(r.graph)) g.append('circle').attr('class', 'ev-dot graph').attr('cx', x(r.graph)).attr('cy', 0).attr('r', 3.5);
    g.append('text')
      .attr('class', 'ev-p')
      .attr('x', width - 2)
      .attr('y', 4)
      .attr('text-anchor', 'end')
      .text(isNum(r.graph) && clean > 0 ? formatPct(r.graph / clean) : '–');
  });
  axis(svg, x, top + rowH * scopes.length + 2, 'top-1 accuracy', width, d3.format('.0%'));
}

function curves(s, c, width) {
  legend(s, [['graph', 'graph, by PageRank'], ['random-line', 'random orders']]);
  const grid = s.append('div').attr('class', 'ev-curves');
  const w = Math.floor((width - 8) / 2);
  for (const [kind, label, better] of [['deletion', 'Deletion', 'lower'], ['insertion', 'Insertion', 'higher']]) {
    const curve = c[kind];
    const cell = grid.append('div').attr('class', 'ev-curve').attr('data-curve', kind);
    if (!curve || !Array.isArray(curve.k)) {
      cell.append('p').attr('class', 'muted hint').text(`${label}: not computed`);
      continue;
    }
    const randomAuc = nums(curve.auc_random);
    const points = (curve.estimated ?? []).flat();
    const estimated = points.filter(Boolean).length;
    cell.append('div').attr('class', 'ev-curve-title').text(`${label} · AUC ${formatFixed(curve.auc)}`);
    cell
      .append('div')
      .attr('class', 'muted ev-curve-sub')
      .text(
        (randomAuc.length
          ? `random ${formatFixed(d3.mean(randomAuc))} (${better} is better)`
          : curve.p_random === null
            ? `${better} is better; no random orders drawn (too few could reach the test's level)`
            : `${better} is better`) +
          (estimated ? `; ${formatInt(estimated)} of ${formatInt(points.length)} random points estimated` : ''),
      );
    curveChart(cell, curve, w);
  }
}

function curveChart(cell, curve, w) {
  const h = 104;
  const m = { left: 26, right: 6, top: 6, bottom: 28 };
  const last = d3.max(curve.k) || 1;
  const x = d3.scaleLinear().domain([0, 1]).range([m.left, w - m.right]);
  const y = d3.scaleLinear().domain([0, 1]).range([h - m.bottom, m.top]);
  const svg = cell.append('svg').attr('class', 'ev-chart').attr('width', w).attr('height', h).attr('viewBox', `0 0 ${w} ${h}`);
  const points = (ys) => curve.k.map((k, i) => [k / last, ys?.[i]]).filter((p) => isNum(p[1]));
  const line = d3.line().x((p) => x(p[0])).y((p) => y(p[1]));
  for (const r of curve.random || []) svg.append('path').attr('class', 'ev-line random-line').attr('d', line(points(r)));
  const g = points(curve.graph);
  svg.append('path').attr('class', 'ev-line graph-line').attr('d', line(g));
  if (g.length === 1) svg.append('circle').attr('class', 'ev-dot graph').attr('cx', x(g[0][0])).attr('cy', y(g[0][1])).attr('r', 3);
  svg.append('g').attr('class', 'ev-axis').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(2).tickSize(3).tickFormat(d3.format('~g')));
  svg.append('g').attr('class', 'ev-axis').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x).ticks(2).tickSize(3).tickFormat(d3.format('.0%')));
  svg.append('text').attr('class', 'ev-axis-label').attr('x', (m.left + w - m.right) / 2).attr('y', h - 2).attr('text-anchor', 'middle').text(`of ${formatInt(last)} vertices`);
  svg.selectAll('.ev-axis').attr('font-size', null).attr('font-family', null);
}

function specificity(s, sp, study) {
  const ids = sp?.classes ?? [];
  const drops = sp?.logit ?? [];
  if (!ids.length || !isNum(drops[0])) {
    s.append('p').attr('class', 'muted hint').text('Not computed.');
    return;
  }
  const byId = new Map(study.classes.map((c) => [c.id, c]));
  const entries = ids.map((id, i) => ({ id, name: byId.get(id)?.name ?? `class ${id}`, drop: drops[i], own: i === 0 }));
  const others = entries.slice(1).filter((e) => isNum(e.drop));
  const shown = [entries[0], ...others.slice().sort((a, b) => b.drop - a.drop).slice(0, SPECIFIC_TOP)];
  const x = d3.scaleLinear().domain(d3.extent([0, ...shown.map((e) => e.drop)])).nice(4).range([0, 100]);
  const bars = s.append('div').attr('class', 'ev-bars');
  for (const e of shown) {
    bars.append('span').attr('class', `ev-bar-name${e.own ? ' own' : ''}`).attr('title', e.name).text(e.name);
    const track = bars.append('span').attr('class', 'ev-bar-track');
    track
      .append('span')
      .attr('class', `ev-bar${e.own ? ' own' : ''}`)
      .style('left', `${x(Math.min(0, e.drop))}%`)
      .style('width', `${Math.max(0.5, Math.abs(x(e.drop) - x(0)))}%`);
    bars.append('span').attr('class', 'ev-bar-value').text(formatFixed(e.drop));
  }
  const rank = 1 + others.filter((e) => e.drop > entries[0].drop).length;
  const median = d3.median(others, (e) => e.drop);
  s.append('p')
    .attr('class', 'hint ev-summary')
    .text(
      others.length
        ? `This class ranks ${formatInt(rank)} of ${formatInt(others.length + 1)}; median over the ${formatInt(others.length)} other classes ${formatFixed(median)}` +
            (others.length > SPECIFIC_TOP ? ` (the ${SPECIFIC_TOP} most hurt drawn).` : '.')
        : 'No other class was tested.',
    );
}

/** Which single effects are first-order estimates, and how the estimates agreed with exact
 * ablation on the ones ablated (null for records without estimates). */
function singlesNote(record, v) {
  const estimated = (v.vertices ?? []).filter((id) => record.channels?.[id]?.estimated).length;
  const a = record.estimation?.singles;
  if (!estimated || !a) return null;
  return (
    `${formatInt(estimated)} of the ${formatInt(v.vertices.length)} effects are first-order estimates; on the ${formatInt(a.n)} vertices ablated exactly ` +
    `the estimates agree with ρ = ${isNum(a.rho) ? formatFixed(a.rho) : '–'}, the same sign for ${formatPct(a.sign_agreement)}, at most ${formatFixed(a.max_error)} off.`
  );
}

function rankCorrelation(root, v, record) {
  const rc = v.rank_correlation ?? {};
  const s = section(root, 'PageRank vs single-channel effects', singlesNote(record, v));
  const words = (rho) =>
    rho >= 0.5
      ? 'channels ranked higher matter clearly more when ablated alone'
      : rho >= 0.2
        ? 'channels ranked higher matter somewhat more when ablated alone'
        : rho > -0.2
          ? "PageRank barely predicts a channel's own effect"
          : 'channels ranked lower matter more: PageRank misorders them';
  s.append('p')
    .attr('class', 'ev-rank')
    .text(
      isNum(rc.rho)
        ? `Spearman ρ = ${formatFixed(rc.rho)} over ${formatInt(rc.n)} vertices${isNum(rc.p) ? ` (p = ${formatP(rc.p)})` : ''}: ${words(rc.rho)}.`
        : `Not computed: ${formatInt(rc.n ?? 0)} vertices (it needs 3).`,
    );
}
