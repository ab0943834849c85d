// Analyses panel: the study's analyses (paper §8–9 and beyond) as lists to browse. An entry
// selects what it is about in the other views: a class, a pair of classes to compare, a
// channel, or a motif's channels highlighted in the graph. Loaded when first opened.
import { loadJSON } from './data.js';
import { formatPct, formatSig } from './format.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

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
        `${formatPct(r.settings.min_coverage)} of classes. ${flagged} flagged; ` +
        (r.excluded ? 'left out of the graphs.' : 'still in the graphs (graph.exclude_nonsemantic: false).'),
    );
    const ul = s.append('ul').attr('class', 'entries');
    for (const c of r.channels) {
      const li = ul.append('li').classed('flagged', c.flagged);
      button(li, `${c.layer}:${c.channel}`, { channel: `${c.layer}:${c.channel}`, layer: c.layer });
      li.append('span').text(
        ` ${c.flagged ? 'non-semantic' : 'candidate'} · coverage ${formatPct(c.coverage)} · ` +
          `median lift ${formatSig(c.median_lift)} · selectivity ${formatSig(c.selectivity)}`,
      );
    }
  }

  function neighbours(r) {
    const s = section(
      'Classes whose neighbours change (§8.2)',
      `Each class's ${r.k} nearest classes (cosine over A^l) per layer; ranked by how much of that neighbourhood is replaced from layer to layer.`,
    );
    const ul = s.append('ul').attr('class', 'entries');
    for (const c of r.classes.slice(0, 20)) {
      const li = ul.append('li');
      button(li, nameOf(c.id), classPatch(c.id));
      li.append('span').text(` changes ${formatPct(c.change)}`);
      const path = li.append('ol').attr('class', 'layers-path');
      for (const layer of r.layers) {
        path.append('li').text(`${layer}: ${c.neighbours[layer].map(nameOf).join(', ')}`);
      }
    }
  }

  function pairs(r) {
    const s = section(
      'Most similar graphs (§8.3)',
      'Pairs of classes by the Jaccard index of their graphs\u2019 channels; a pair opens in comparison mode (rings: blue only the class, orange only the other, both).',
    );
    const best = r.most_similar;
    const p = s.append('p');
    button(p, `${nameOf(best.a)} ↔ ${nameOf(best.b)}`, classPatch(best.a, best.b));
    p.append('span').text(
      ` vertex Jaccard ${formatSig(best.vertex_jaccard)} · ` +
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
        'Opening one highlights its channels in the graph.',
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
    }
    if (r.channels.length) {
      const p = s.append('p').attr('class', 'recurring');
      p.append('span').text('Channels in the most graphs: ');
      for (const c of r.channels.slice(0, 12)) {
        button(p, `${c.id} (${c.n_classes})`, { channel: c.id, layer: c.layer });
        p.append('span').text(' ');
      }
    }
  }

  function separability(r) {
    const s = section(
      'Few-channel classifiers (§8.5)',
      `Balanced accuracy (class vs rest, held-out images) of a logistic regression on the class's ${r.channels_per_class} top channels by A^l, per layer, next to the model's.`,
    );
    const table = s.append('table').attr('class', 'analysis-table');
    const head = table.append('thead').append('tr');
    for (const h of ['Class', ...r.layers, 'Model']) head.append('th').text(h);
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
    const s = section('Two models compared', `${r.names[0]} (A) and ${r.names[1]} (B) on the same images: how much of each class's graph they share.`);
    const table = s.append('table').attr('class', 'analysis-table');
    const head = table.append('thead').append('tr');
    for (const h of ['Class', 'Vertex Jaccard', 'Accuracy A → B', 'Figure']) head.append('th').text(h);
    const tbody = table.append('tbody');
    for (const c of [...r.classes].sort((x, y) => x.vertex_jaccard - y.vertex_jaccard)) {
      const tr = tbody.append('tr');
      button(tr.append('td'), nameOf(c.id), classPatch(c.id));
      tr.append('td').text(formatSig(c.vertex_jaccard));
      tr.append('td').text(`${formatPct(c.accuracy[0])} → ${formatPct(c.accuracy[1])}`);
      tr.append('td').append('a').attr('href', c.figure).attr('target', '_blank').attr('rel', 'noopener').text('side by side');
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
