// Images: a class's chosen images explained one by one (the explain stage; the record's
// format is summit.io.artifacts.ExplainedImages). Each image shows why it was chosen, its
// prediction and top probabilities; opened (the URL's `image=`), its own attribution graph
// against the class's: the class graph's vertices it uses and lacks, its own extra channels,
// and, misclassified, the predicted class's graph and the channels pulling it there, with a
// button comparing the two classes' graphs. Its evidence: its own graph's channels and the
// class channels it uses, ablated against random sets of the same size. `graphStyle` marks
// the class graph for the opened image: a full ring on vertices of the image's own graph, a
// half ring on vertices it activates outside it, a dashed ring where the image lacks the
// vertex; edges of the image's graph opaque, the others faint; the image's own channels outside
// the class's graph are added to it, pale, with their edges (`extra`). Every name and number
// is text.
import { formatFixed, formatInt, formatP, formatPct } from '../format.js';

export const title = 'Images';

const REASONS = {
  misclassified: 'misclassified',
  least_confident: 'least confident correct',
  most_confident: 'most confident correct',
};
const SETS = {
  own_graph: "its own graph's channels",
  class_channels_used: "the class graph's channels it uses",
};
const LISTED = 16; // vertices named in a list before "and n more"
const opened = new WeakMap(); // record -> the image opened in it, for graphStyle
const plural = (n, one, many = `${one}s`) => `${formatInt(n)} ${n === 1 ? one : many}`;

/** The explained image of `record` whose dataset index is `image` (a string), or null. */
export function openedImage(record, image) {
  return (record.images || []).find((im) => String(im.index) === String(image)) ?? null;
}

/** The explained misclassified images of `record`, those in which channel `id` is active
 * (in the image's activation set) first: the channel panel lists them to open. */
export function channelImages(record, id) {
  const wrong = (record.images || []).filter((im) => im.predicted !== im.label);
  const active = (im) => (im.activation_set || []).includes(id);
  return [...wrong.filter(active), ...wrong.filter((im) => !active(im))].map((im) => ({ image: im, active: active(im) }));
}

/** The class graph's marks for the opened image (see the module's comment); null when no
 * image is open. */
export function graphStyle(record) {
  const im = opened.get(record);
  if (!im) return null;
  const own = new Set((im.graph?.nodes || []).map((n) => n.id));
  const active = new Set(im.activation_set || []);
  const edges = new Set((im.graph?.edges || []).map((e) => `${e.source}>${e.target}`));
  const name = `image #${im.index}`;
  return {
    extra: { nodes: im.graph?.nodes || [], edges: im.graph?.edges || [] },
    vertex(id) {
      if (own.has(id)) return { arc: 1, mark: null, label: `in ${name}'s graph` };
      if (active.has(id)) return { arc: 0.5, mark: null, label: `active in ${name}, outside its graph` };
      return { arc: 0, mark: 'not in this image', label: null };
    },
    edge(source, target) {
      const held = edges.has(`${source}>${target}`);
      return { opacity: held ? 1 : 0.15, line: [name, held ? 'in its graph' : 'not in its graph'] };
    },
    legend: [
      { mark: 'arc', text: `ring: full, in ${name}'s own graph; half, active in it` },
      { mark: 'dashed', text: `not in this image: the image does not activate the channel` },
      { mark: 'edge', text: `opaque edges: in ${name}'s graph` },
      { mark: 'beyond', text: `pale: in ${name}'s graph, not in the class's` },
    ],
  };
}

export function render(root, record, ctx = {}) {
  const box = root.append('div').attr('class', 'explain');
  const images = record.images || [];
  const im = openedImage(record, ctx.state?.image);
  opened.set(record, im);
  box
    .append('p')
    .attr('class', 'ex-head')
    .text(`${plural(images.length, 'image')} explained of ${formatInt(record.n_images)} (${formatInt(record.n_misclassified)} misclassified)`);
  if (!images.length) {
    box.append('p').attr('class', 'muted').text('No image of this class was chosen.');
    return;
  }
  box.append('p').attr('class', 'muted hint').text("Open an image: its own graph (the class's method applied to it alone) is marked on the class's graph.");
  // names of the study's classes, and of any output an image's top probabilities name
  const names = new Map(images.flatMap((e) => (e.probabilities || []).map((p) => [p.class, p.name])));
  for (const c of ctx.study?.classes || []) names.set(c.id, c.name);
  const nameOf = (id) => names.get(id) ?? `class ${id}`;
  const strip = box.append('div').attr('class', 'ex-strip');
  for (const entry of images) {
    const open = entry === im;
    const b = strip
      .append('button')
      .attr('type', 'button')
      .attr('class', `ex-thumb ${entry.reason}`)
      .attr('data-image', entry.index)
      .attr('aria-pressed', String(open))
      .on('click', () => ctx.select?.({ image: open ? null : String(entry.index) }));
    b.append('img').attr('src', entry.image).attr('alt', `image #${entry.index}`);
    b.append('span').attr('class', 'ex-reason').text(REASONS[entry.reason] ?? entry.reason);
    b.append('span').attr('class', 'ex-pred').text(`→ ${nameOf(entry.predicted)}`);
  }
  if (im) detail(box, im, record, ctx, nameOf);
}

function detail(parent, im, record, ctx, nameOf) {
  const sec = parent.append('div').attr('class', 'ex-detail').attr('data-image', im.index);
  const top = sec.append('div').attr('class', 'ex-top');
  top.append('img').attr('class', 'ex-large').attr('src', im.image).attr('alt', `image #${im.index}`);
  const text = top.append('div');
  const wrong = im.predicted !== im.label;
  text.append('p').attr('class', 'ex-title').text(`Image #${im.index} · ${REASONS[im.reason] ?? im.reason}`);
  text
    .append('p')
    .text(`True: ${nameOf(im.label)} (p = ${formatFixed(im.prob_true)}) · predicted: ${nameOf(im.predicted)}${wrong ? '' : ', correct'}`);
  const probs = text.append('table').attr('class', 'ex-probs');
  for (const p of im.probabilities || []) {
    const row = probs.append('tr').classed('true', p.class === im.label);
    row.append('th').attr('scope', 'row').text(p.name ?? nameOf(p.class));
    row.append('td').text(formatPct(p.prob));
    const bar = row.append('td').append('svg').attr('width', 80).attr('height', 8).attr('aria-hidden', 'true');
    bar.append('rect').attr('class', 'track').attr('width', 80).attr('height', 8);
    bar.append('rect').attr('class', 'fill').attr('width', 80 * Math.max(0, Math.min(1, p.prob))).attr('height', 8);
  }
  relationSection(sec, im.true_class, `Against its class's graph (${nameOf(im.label)})`);
  if (im.predicted_class) {
    relationSection(sec, im.predicted_class, `Against the predicted class's graph (${nameOf(im.predicted)})`);
    const pulls = im.pulls || [];
    sec
      .append('p')
      .attr('class', 'ex-pulls-head')
      .text(
        pulls.length
          ? `Pulling it to ${nameOf(im.predicted)}: ${plural(pulls.length, 'channel')} of the predicted class's graph, not of its own class's, that it activates (strength: its maximum over the channel's largest):`
          : `No channel of ${nameOf(im.predicted)}'s graph outside its own class's graph is active in it.`,
      );
    chips(sec, pulls.map((p) => ({ id: p.id, value: formatFixed(p.strength) })), 'pulls');
    const index = (ctx.study?.classes || []).findIndex((c) => c.id === im.predicted);
    if (index >= 0) {
      sec
        .append('button')
        .attr('type', 'button')
        .attr('class', 'ex-compare')
        .text(`Compare with ${nameOf(im.predicted)}'s graph`)
        .on('click', () => ctx.select?.({ compareIndex: index }));
    }
  } else if (wrong) {
    sec.append('p').attr('class', 'muted').text(`${nameOf(im.predicted)} is not a class of this study: no graph to compare with.`);
  }
  evidence(sec, im.evidence || {}, nameOf, nameOf(im.evidence_class ?? im.label));
}

function relationSection(parent, rel, heading) {
  const sec = parent.append('div').attr('class', 'ex-section');
  sec.append('h3').text(heading);
  const size = (rel.uses?.length ?? 0) + (rel.lacks?.length ?? 0);
  sec.append('p').text(`It activates ${formatInt(rel.uses?.length)} of the graph's ${plural(size, 'vertex', 'vertices')}; lacks ${formatInt(rel.lacks?.length)}.`);
  chips(sec, (rel.uses || []).map((id) => ({ id })), 'uses');
  if (rel.lacks?.length) chips(sec, rel.lacks.map((id) => ({ id })), 'lacks');
  sec
    .append('p')
    .text(
      `Its own graph shares ${plural(rel.shared?.length ?? 0, 'vertex', 'vertices')} with it and has ${formatInt(rel.image_only?.length)} of its own ` +
        `(Jaccard ${formatFixed(rel.jaccard)}).`,
    );
  if (rel.image_only?.length) chips(sec, rel.image_only.map((id) => ({ id })), 'own');
}

function chips(parent, list, kind) {
  const ul = parent.append('ul').attr('class', `ex-chips ${kind}`);
  for (const v of list.slice(0, LISTED)) {
    const li = ul.append('li').attr('data-id', v.id);
    li.append('span').text(v.id);
    if (v.value != null) li.append('span').attr('class', 'ex-chip-value').text(v.value);
  }
  if (list.length > LISTED) ul.append('li').attr('class', 'ex-more muted').text(`and ${formatInt(list.length - LISTED)} more`);
}

/** One sentence per ablated set: the prediction after it, the true class's logit drop, and
 * how the random sets of the same size compare. */
function evidence(parent, ev, nameOf, logitOf) {
  const sec = parent.append('div').attr('class', 'ex-section ex-evidence');
  sec.append('h3').text('Evidence');
  const names = Object.keys(ev);
  if (!names.length) {
    sec.append('p').attr('class', 'muted').text('No channel set to ablate.');
    return;
  }
  for (const name of names) {
    const e = ev[name];
    sec
      .append('p')
      .attr('data-set', name)
      .text(
        `Replacing ${SETS[name] ?? name} (${plural(e.size, 'channel')}): ` +
          `${e.flipped ? `the prediction flips to ${nameOf(e.predicted)}` : `the prediction stays ${nameOf(e.predicted)}`}; ` +
          `${logitOf}'s logit ${e.logit_drop >= 0 ? 'falls' : 'rises'} by ${formatFixed(Math.abs(e.logit_drop))} ` +
          `(random sets of the same size: a mean drop of ${formatFixed(e.random_logit_drop)}, ${formatPct(e.random_flip_rate)} flip the prediction; p = ${formatP(e.p)}).`,
      );
  }
}
