// Analyses panel: the study's analyses (paper §8–9 and beyond) as lists to browse. An entry
// selects what it is about in the other views: a class, a pair of classes to compare, a
// channel, or a motif's channels highlighted in the graph. Loaded when first opened.
// Each finding shows its support (the share of bootstrap resamples of the images in which it
// holds) and, under the study's stability.min_support, a "tentative" badge.
import { loadJSON } from './data.js';
import { formatFixed, formatPct, formatSig, shortLayerNames } from './format.js';

const pct0 = (v) => (isNum(v) ? d3.format('.0%')(v) : '–'); // a share in a narrow column
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const SUPPORT_TITLE = 'Share of bootstrap resamples of the images in which this finding holds';
const tentativeTitle = (min) =>
  `Tentative: holds in fewer than ${isNum(min) ? formatPct(min) : 'the required share'} of the ` +
  'resamples, so another sample of images would likely not reproduce it.';
/** The 5th–95th percentile of a statistic over the resamples, " (resamples 0.40–0.61)". */
const spreadText = (s) =>
  s && isNum(s.p5) && isNum(s.p95) ? ` (resamples ${formatFixed(s.p5)}–${formatFixed(s.p95)})` : '';

/**
 * `onSelect(patch)` applies a state patch (classIndex, compareIndex, channel, layer,
 * highlight). Everything shown is set as text.
 */
export function createAnalyses({ study, onSelect, onError }) {
  const box = document.getElementById('analyses');
  const body = d3.select('#analyses-body');
  const indexOf = new Map(study.classes.map((c, i) => [c.id, i]));
  const nameOf = (id) => study.classes[indexOf.get(id)]?.name ?? `class ${id}`;
  box.hidden = !study.analyses && !(study.figures || []).length;
  let loaded = false;

  const section = (title, note) => {
    const s = body.append('section').attr('class', 'analysis');
    s.append('h3').text(title);
    if (note) s.append('p').attr('class', 'muted hint').text(note);
    return s;
  };
  const button = (parent, label, patch, title) =>
    parent
      .append('button')
      .attr('type', 'button')
      .attr('class', 'link-button')
      .attr('title', title ?? null)
      .text(label)
      .on('click', () => {
        onSelect(patch);
        box.open = false;
      });
  const classPatch = (a, b = null) => ({
    classIndex: indexOf.get(a) ?? 0,
    compareIndex: b == null ? null : indexOf.get(b) ?? null,
  });
  /**
   * " · support 0.46 (what in 46.0% of resamples)" and, when tentative, a badge; nothing for
   * a record without support.
   */
  const held = (parent, share, tentative, stability, what = null) => {
    if (!isNum(share)) return;
    const said = what ? ` (${what} in ${formatPct(share)} of resamples)` : '';
    parent.append('span').attr('class', 'support').attr('title', SUPPORT_TITLE).text(` · support ${formatFixed(share)}${said}`);
    if (tentative) {
      parent.append('span').attr('class', 'badge tentative').attr('title', tentativeTitle(stability?.min_support)).text('tentative');
    }
  };
  const supportNote = (stability) => {
    if (!stability || !isNum(stability.min_support)) return '';
    const n = isNum(stability.resamples) ? `${stability.resamples} ` : '';
    return ` Support: the share of ${n}bootstrap resamples of the images in which a finding holds; under ${formatFixed(stability.min_support)} it is tentative.`;
  };

  function figures(list) {
    if (!list.length) return;
    const ul = section('Figures', 'As PNG and PDF, drawn by the workflow (results/figures).').append('ul');
    for (const f of list) {
      const li = ul.append('li');
      li.append('a').attr('href', f.png).attr('target', '_blank').attr('rel', 'noopener').text(f.title);
      li.append('span').text(' · ');
      li.append('a').attr('href', f.pdf).attr('target', '_blank').attr('rel', 'noopener').text('PDF');
    }
  }

  function nonsemantic(r) {
    const flagged = r.channels.filter((c) => c.flagged).length;
    const s = section(
      'Non-semantic channels (§8.4)',
      `Top channels in nearly every class: lift ≥ ${r.settings.min_lift} (× chance) in ≥ ` +
        `${formatPct(r.settings.min_coverage)} of classes. ${flagged} flagged` +
        (isNum(r.n_supported) && isNum(r.stability?.min_support)
          ? ` (${r.n_supported} with support ≥ ${formatFixed(r.stability.min_support)}); `
          : '; ') +
        (r.excluded ? 'left out of the graphs.' : 'still in the graphs (graph.exclude_nonsemantic: false).') +
        supportNote(r.stability),
    );
    const ul = s.append('ul').attr('class', 'entries');
    for (const c of r.channels) {
      const li = ul.append('li').classed('flagged', c.flagged).attr('data-channel', `${c.layer}:${c.channel}`);
      button(li, `${c.layer}:${c.channel}`, { channel: `${c.layer}:${c.channel}`, layer: c.layer });
      li.append('span').text(
        ` ${c.flagged ? 'non-semantic' : 'candidate'} · coverage ${formatPct(c.coverage)} · ` +
          `median lift ${formatSig(c.median_lift)} · selectivity ${formatSig(c.selectivity)}`,
      );
      held(li, c.support, c.tentative, r.stability, 'flagged');
    }
  }

  function neighbours(r) {
    const top = isNum(r.top_support)
      ? ` The first class ranks first in ${formatPct(r.top_support)} of the resamples.`
      : '';
    const s = section(
      'Classes whose neighbours change (§8.2)',
      `Each class's ${r.k} nearest classes (cosine over A^l) per layer; ranked by how much of that neighbourhood is replaced from layer to layer.` +
        supportNote(r.stability) + top,
    );
    const ul = s.append('ul').attr('class', 'entries');
    for (const c of r.classes.slice(0, 20)) {
      const li = ul.append('li').attr('data-class', c.id);
      button(li, nameOf(c.id), classPatch(c.id));
      const range = isNum(c.change_p5) && isNum(c.change_p95) ? ` (resamples ${formatPct(c.change_p5)}–${formatPct(c.change_p95)})` : '';
      li.append('span').text(` changes ${formatPct(c.change)}${range}`);
      held(li, c.rank_support, c.tentative, r.stability, 'among the most changing');
      const path = li.append('ol').attr('class', 'layers-path');
      for (const layer of r.layers) {
        const item = path.append('li').text(`${layer}: `);
        c.neighbours[layer].forEach((id, i) => {
          const share = c.neighbour_support?.[layer]?.[i];
          const weak = c.neighbour_tentative?.[layer]?.[i];
          if (i) item.append('span').text(', ');
          item
            .append('span')
            .classed('tentative-item', !!weak)
            .attr('title', isNum(share) ? `among the ${r.k} nearest in ${formatPct(share)} of the resamples${weak ? ' (tentative)' : ''}` : null)
            .text(nameOf(id) + (isNum(share) ? ` ${formatFixed(share)}` : ''));
        });
      }
    }
  }

  function pairs(r) {
    const s = section(
      'Most similar graphs (§8.3)',
      'Pairs of classes by the Jaccard index of their graphs\u2019 channels; a pair opens in comparison mode (rings: blue only the class, orange only the other, both).' +
        supportNote(r.stability),
    );
    const best = r.most_similar;
    const p = s.append('p').attr('class', 'most-similar');
    button(p, `${nameOf(best.a)} ↔ ${nameOf(best.b)}`, classPatch(best.a, best.b));
    p.append('span').text(` vertex Jaccard ${formatSig(best.vertex_jaccard)}${spreadText(best.vertex_jaccard_spread)}`);
    held(p, best.support, best.tentative, r.stability, 'the most similar pair');
    const rivals = (best.winners || []).filter((w) => !(w.a === best.a && w.b === best.b)).slice(0, 3);
    if (rivals.length) {
      p.append('span').attr('class', 'support').text(
        ` · otherwise ${rivals.map((w) => `${nameOf(w.a)} ↔ ${nameOf(w.b)} (${formatFixed(w.support)})`).join(', ')}`,
      );
    }
    p.append('span').text(
      ' · ' +
        Object.entries(best.layers)
          .map(([layer, c]) => `${layer} both ${c.both}, only A ${c.only_a}, only B ${c.only_b}`)
          .join(' · '),
    );
    const ul = s.append('ul').attr('class', 'entries compact');
    for (const x of r.top.slice(1, 12)) {
      const li = ul.append('li');
      button(li, `${nameOf(x.a)} ↔ ${nameOf(x.b)}`, classPatch(x.a, x.b));
      li.append('span').text(` ${formatSig(x.jaccard)}`);
    }
  }

  function motifs(r) {
    const s = section(
      'Motifs shared by groups of classes (§9)',
      `${r.n} connected sub-structures found in the graphs of ${r.settings.min_classes}+ classes ` +
        `(at most ${formatPct(r.settings.max_share)} of them) and in no larger group; ${r.n_groups} groups of classes share them. ` +
        'Opening one highlights its channels in the graph.' +
        supportNote(r.stability),
    );
    const ul = s.append('ul').attr('class', 'entries');
    for (const m of r.motifs.slice(0, 40)) {
      const li = ul.append('li').attr('data-motif', m.id);
      const label = `#${m.id}: ${m.classes.map(nameOf).join(', ')}`;
      button(li, label, {
        ...classPatch(m.classes[0], m.classes[1] ?? null),
        highlight: { label: `Motif #${m.id}`, ids: new Set(m.vertices) },
      });
      li.append('span').text(` · ${plural(m.vertices.length, 'channel')}, ${plural(m.edges.length, 'edge')}: ${m.vertices.join(', ')}`);
      held(li, m.support, m.tentative, r.stability);
    }
    if (r.channels.length) {
      const p = s.append('p').attr('class', 'recurring');
      p.append('span').text(`Channels in the most graphs (classes${r.channels.some((c) => isNum(c.support)) ? `; support of being in ${r.settings.min_classes}+` : ''}): `);
      for (const c of r.channels.slice(0, 12)) {
        const label = `${c.id} (${c.n_classes}${isNum(c.support) ? `; ${formatFixed(c.support)}` : ''})`;
        button(p, label, { channel: c.id, layer: c.layer }, c.tentative ? tentativeTitle(r.stability?.min_support) : null);
        if (c.tentative) p.append('span').attr('class', 'badge tentative').attr('title', tentativeTitle(r.stability?.min_support)).text('tentative');
        p.append('span').text(' ');
      }
    }
  }

  function separability(r) {
    // columns headed as the layer map names the layers (features.1 … features.11: 1 … 11),
    // so eleven of them fit the panel
    const short = shortLayerNames(r.layers);
    const shortened = short.some((x, i) => x !== r.layers[i]);
    const s = section(
      'Few-channel classifiers (§8.5)',
      `Balanced accuracy (class vs rest, held-out images) of a logistic regression on the class's ${r.channels_per_class} top channels by A^l, per layer` +
        (shortened ? ` (${r.layers[0]} … ${r.layers[r.layers.length - 1]})` : '') +
        ", next to the model's.",
    );
    const table = s.append('table').attr('class', 'analysis-table');
    const head = table.append('thead').append('tr');
    head.append('th').text('Class');
    short.forEach((h, i) => head.append('th').attr('title', r.layers[i]).text(h));
    head.append('th').text('Model');
    const tbody = table.append('tbody');
    for (const c of r.classes) {
      const tr = tbody.append('tr');
      button(tr.append('td'), nameOf(c.id), classPatch(c.id));
      const best = Math.max(...c.classifier.filter((v) => typeof v === 'number'));
      c.classifier.forEach((v, i) =>
        tr
          .append('td')
          .classed('best', v === best)
          .attr('title', `channels ${c.channels[i].join(', ')}`)
          .text(formatPct(v)),
      );
      tr.append('td').text(formatPct(c.model));
    }
    const joint = r.joint.map((j, i) => `${r.layers[i]} ${formatPct(j.classifier_accuracy)}`).join(' · ');
    s.append('p').attr('class', 'hint').text(`One dense layer on all classes' top channels, accuracy: ${joint} (model ${formatPct(r.joint[0]?.model_accuracy)}).`);
  }

  function models(r) {
    const kept = r.classes.some((c) => isNum(c.conserved));
    const s = section(
      'Two models compared',
      `${r.names[0]} (A) and ${r.names[1]} (B) on the same images: how much of each class's graph they share, channels matched by their responses` +
        (kept ? "; A's graph kept: the share of A's vertices B's graph has too" : '') +
        ' (resamples: 5th–95th percentile over resample b of A against resample b of B).' +
        (study.models ? ' A class opens with both graphs drawn as one.' : '') +
        supportNote(r.stability),
    );
    // a class opens in the graph view comparing the models, where the site has the graphs
    const modelPatch = (id) => ({ ...classPatch(id), ...(study.models ? { models: true } : {}) });
    const most = r.changes_most;
    if (most) {
      const p = s.append('p').attr('class', 'changes-most');
      p.append('span').text('Changes most: ');
      button(p, nameOf(most.id), modelPatch(most.id));
      const row = r.classes.find((c) => c.id === most.id);
      if (row) p.append('span').text(` vertex Jaccard ${formatSig(row.vertex_jaccard)}${spreadText(row.vertex_jaccard_spread)}`);
      held(p, most.support, most.tentative, r.stability, 'changes most');
    }
    const spreads = r.classes.some((c) => c.vertex_jaccard_spread);
    const table = s.append('table').attr('class', 'analysis-table');
    const head = table.append('thead').append('tr');
    for (const h of ['Class', 'Vertex Jaccard', ...(spreads ? ['Resamples p5–p95', 'Changes most'] : []), ...(kept ? ["A's graph kept"] : []), 'Accuracy A → B', 'Figure']) {
      head.append('th').text(h);
    }
    const tbody = table.append('tbody');
    for (const c of [...r.classes].sort((x, y) => x.vertex_jaccard - y.vertex_jaccard)) {
      const tr = tbody.append('tr').attr('data-class', c.id);
      button(tr.append('td'), nameOf(c.id), modelPatch(c.id));
      tr.append('td').text(formatSig(c.vertex_jaccard));
      if (spreads) {
        const v = c.vertex_jaccard_spread;
        tr.append('td').text(v ? `${formatFixed(v.p5)}–${formatFixed(v.p95)}` : '–');
        tr.append('td').attr('title', 'share of resamples in which this class changes most').text(formatFixed(c.changes_most_support));
      }
      if (kept) {
        const v = c.conserved_spread;
        const spread = v && isNum(v.p5) && isNum(v.p95);
        tr.append('td')
          .attr('class', 'kept')
          .attr('title', `${formatPct(c.conserved)} of A's vertices are in B's graph${spread ? `; resamples ${formatPct(v.p5)}–${formatPct(v.p95)}` : ''}`)
          .text(`${pct0(c.conserved)}${spread ? ` (${pct0(v.p5).replace('%', '')}–${pct0(v.p95)})` : ''}`);
      }
      tr.append('td').text(`${formatPct(c.accuracy[0])} → ${formatPct(c.accuracy[1])}`);
      tr.append('td').append('a').attr('href', c.figure).attr('target', '_blank').attr('rel', 'noopener').text('side by side');
    }
  }

  function groundTruth(r) {
    const s = section(
      'Ground truth: planted features',
      `Patterns stamped into chosen classes' images (dataset.plant). Pattern channels: those whose maximum rises when test images are stamped (effect: the rise over the spread of the clean maxima). Ringed numbers: the channel's PageRank rank in its layer of a planted class's graph (seed ${r.seed}).`,
    );
    for (const st of r.stamps) {
      const p = s.append('p').attr('class', 'planted').attr('data-pattern', st.stamp.pattern);
      p.append('strong').text(`${st.stamp.pattern} (${st.stamp.size} px, ${st.stamp.position}) in `);
      st.stamp.classes.forEach((c, i) => {
        if (i) p.append('span').text(' and ');
        button(p, nameOf(c), classPatch(c));
      });
      const a = st.accuracy;
      p.append('span').text(
        ` · accuracy on its planted test images ${formatPct(a.stamped.mean)} stamped, ${formatPct(a.clean.mean)} clean` +
          ` · found by the planted classes' graphs in ${Object.entries(st.held).map(([c, n]) => `${nameOf(Number(c))} ${n}/${st.studies}`).join(', ')} studies` +
          ` · precision ${isNum(st.precision) ? formatFixed(st.precision) : '–'}`,
      );
      for (const [c, f] of Object.entries(st.ablation)) {
        if (f) p.append('span').text(` · ${nameOf(Number(c))}: ablating the ${plural(f.size, 'found channel')} removes ${isNum(f.removed) ? formatPct(f.removed) : '–'} of the gain (p ${formatFixed(f.p)})`);
      }
      const list = s.append('p').attr('class', 'recurring');
      if (!st.channels.length) {
        list.text('No channel responds to the pattern by ground_truth.min_effect or more.');
        continue;
      }
      button(list, `Mark its ${plural(st.channels.length, 'pattern channel')}`, {
        ...classPatch(st.stamp.classes[0]),
        highlight: { label: `${st.stamp.pattern} pattern channels`, ids: new Set(st.channels.map((c) => c.id)) },
      });
      list.append('span').text(': ');
      for (const c of st.channels.slice(0, 24)) {
        button(list, `${c.id} (${formatSig(c.effect)}${c.rank ? `, #${c.rank}` : ''})`, { channel: c.id, layer: c.layer });
        list.append('span').text(' ');
      }
    }
  }

  function randomization(r) {
    const s = section(
      'Sanity checks: randomized models',
      "The trained model re-initialized from the output down (each row down to the layer it names) and a net trained on shuffled labels, each studied like the model. Graphs: mean vertex Jaccard with the trained model's graph of the same class, and chance's (random channel sets of the same sizes per layer). Neighbours: the share of each class's nearest classes in A^l kept. Faithfulness: the true-class probability drop when a class's graph is ablated, beyond random sets'.",
    );
    const table = s.append('table').attr('class', 'randomization');
    const head = table.append('thead').append('tr');
    for (const h of ['model', 'accuracy', 'graphs: Jaccard (chance)', 'neighbours kept (chance)', 'faithfulness']) head.append('th').text(h);
    const rows = table.append('tbody');
    for (const m of r.models) {
      const tr = rows.append('tr').attr('data-kind', m.kind);
      tr.append('td').text(m.label);
      tr.append('td').text(formatPct(m.accuracy));
      tr.append('td').text(`${formatFixed(m.jaccard)} (${formatFixed(m.chance)})`);
      tr.append('td').text(`${formatFixed(m.neighbours)} (${formatFixed(m.neighbours_chance)})`);
      tr.append('td').text(formatSig(m.effect));
    }
  }

  async function load() {
    loaded = true;
    body.selectAll('*').remove();
    figures(study.figures || []);
    if (!study.analyses) return;
    const status = body.append('p').attr('class', 'muted').text('Loading the analyses…');
    try {
      const r = await loadJSON(study.analyses);
      status.remove();
      if (r.nonsemantic) nonsemantic(r.nonsemantic);
      if (r.neighbours) neighbours(r.neighbours);
      if (r.pairs) pairs(r.pairs);
      if (r.motifs) motifs(r.motifs);
      if (r.separability) separability(r.separability);
      if (r.models) models(r.models);
      if (r.ground_truth) groundTruth(r.ground_truth);
      if (r.randomization) randomization(r.randomization);
    } catch (err) {
      status.remove();
      loaded = false;
      onError(`Could not load the analyses: ${err.message}`);
    }
  }

  box.addEventListener('toggle', () => {
    if (box.open && !loaded) load();
  });
}
