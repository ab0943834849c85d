// Channel panel: for the selected channel, its description (what the study measured about it:
// the channel_descriptions record's sentence, descriptions.js), its feature visualization with
// diversity images and its top dataset examples, then density bars of its activation (channel
// max) over the selected class, the class's misclassified images, all images, and the
// comparison class;
// below them, the class's explained misclassified images (panels/explain.js), those in which
// the channel is active first, each opening the image (`onSelect({image})`).
import { drawDensity } from './density.js';
import { channelDescription } from './descriptions.js';
import { formatInt, formatSig } from './format.js';
import { loadClassLayerStats, loadCounts, loadLayerInfo } from './layers.js';
import { examplesSprite, featvisSprite, loadExamples, spriteTile } from './sprites.js';
import { parseChannel } from './state.js';
import { channelImages } from './panels/explain.js';
import { loadJSON } from './data.js';

const BAR_W = 220;
const BAR_H = 18;

const total = (counts) => (Array.isArray(counts) ? d3.sum(counts) : 0);
// a class's name: the study's, else as the image's probabilities name it
const nameOf = (study, record, id) =>
  study.classes.find((c) => c.id === id)?.name ?? record.images.flatMap((im) => im.probabilities || []).find((p) => p.class === id)?.name ?? `class ${id}`;

export function createChannelPanel({ study, onClear, onSelect = () => {} }) {
  const root = d3.select('#channel-body');
  const empty = document.getElementById('channel-empty');
  const clear = document.getElementById('channel-clear');
  clear.addEventListener('click', onClear);
  let requested = 0;

  async function show(st) {
    const ticket = ++requested;
    const sel = parseChannel(study, st.channel);
    empty.hidden = Boolean(sel);
    clear.hidden = !sel;
    if (!sel) {
      root.selectAll('*').remove();
      return;
    }
    const classes = [st.classIndex, st.compareIndex].filter((i) => i != null);
    let info, stats, counts, examples, description;
    try {
      [info, counts, examples, description, ...stats] = await Promise.all([
        loadLayerInfo(study, sel.layer),
        loadCounts(study, sel.layer),
        loadExamples(study, sel.layer).catch(() => null), // the patches show without labels
        channelDescription(study, sel.layer, sel.channel).catch(() => null), // or without it
        ...classes.map((i) => loadClassLayerStats(study, i, sel.layer)),
      ]);
    } catch (err) {
      if (ticket !== requested) return;
      root.selectAll('*').remove();
      root.append('p').attr('class', 'error-text').text(`Could not load the channel's histograms: ${err.message}`);
      return;
    }
    if (ticket !== requested) return; // a newer selection superseded this one
    const ch = sel.channel;
    const name = (i) => study.classes[i].name;
    const rows = [
      { label: name(st.classIndex), note: 'selected class', hist: stats[0].class?.[ch], cls: 'primary' },
      { label: 'misclassified', note: `images of ${name(st.classIndex)} the model got wrong`, hist: stats[0].misclassified?.[ch], cls: 'primary' },
      { label: 'all images', note: 'every summarised image', hist: info.all_images?.[ch], cls: 'all' },
    ];
    if (stats[1]) rows.push({ label: name(st.compareIndex), note: 'comparison class', hist: stats[1].class?.[ch], cls: 'compare' });

    root.selectAll('*').remove();
    root.append('h3').attr('class', 'channel-title').text(`${sel.layer} · channel ${ch}`);
    if (description) root.append('p').attr('class', 'channel-description').text(`Measured: ${description}.`);
    if (counts) {
      const a = counts.rows[st.classIndex][ch];
      root
        .append('p')
        .attr('class', 'hint muted')
        .text(`A count in ${name(st.classIndex)}: ${formatInt(a)} of ${formatInt(study.classes[st.classIndex].n_images)} images`);
    }
    showImages(sel.layer, ch, examples?.[ch]);
    const table = root.append('div').attr('class', 'density-rows').attr('role', 'list');
    for (const row of rows) {
      const line = table.append('div').attr('class', `density-row ${row.cls}`).attr('role', 'listitem');
      line.append('span').attr('class', 'density-label').attr('title', row.note).text(row.label);
      line
        .append('svg')
        .attr('role', 'img')
        .attr('aria-label', `Distribution of channel ${ch} activations over ${row.label}`)
        .call(drawDensity, row.hist, { width: BAR_W, height: BAR_H, className: `density ${row.cls}` });
      line.append('span').attr('class', 'density-n').text(formatInt(total(row.hist)));
    }
    const lo = info.range?.[0]?.[ch];
    const hi = info.range?.[1]?.[ch];
    const axis = table.append('div').attr('class', 'density-row axis');
    axis.append('span');
    const ends = axis.append('span').attr('class', 'density-axis');
    ends.append('span').text(formatSig(lo));
    ends.append('span').text('channel max activation');
    ends.append('span').text(formatSig(hi));
    showExplained(st, st.channel, ticket);
  }

  /** The class's explained misclassified images as buttons opening them, if the study
   * explains images (its `explain` panel); nothing if it does not or the record fails. */
  async function showExplained(st, id, ticket) {
    const panel = (study.panels || []).find((p) => p.name === 'explain');
    const cls = study.classes[st.classIndex];
    if (!panel) return;
    const record = await loadJSON(panel.data.replace('{id}', String(cls.id))).catch(() => null);
    if (ticket !== requested || !record) return;
    const listed = channelImages(record, id);
    if (!listed.length) return;
    const k = listed.filter((x) => x.active).length;
    root
      .append('p')
      .attr('class', 'channel-caption')
      .text(`Explained misclassified images of ${cls.name}: the channel is active in ${formatInt(k)} of ${formatInt(listed.length)}`);
    const box = root.append('div').attr('class', 'channel-images explained');
    for (const { image: im, active } of listed) {
      const text = `image #${im.index}, predicted ${nameOf(study, record, im.predicted)}; channel ${active ? 'active' : 'not active'}`;
      const b = box.append('button').attr('type', 'button').attr('class', `ex-open${active ? '' : ' inactive'}`).attr('data-image', im.index).attr('title', `${text}: open it`);
      b.append('img').attr('src', im.image).attr('alt', text);
      b.on('click', () => {
        onSelect({ image: String(im.index) });
        document.querySelector('[data-panel="explain"]')?.scrollIntoView({ block: 'start', behavior: 'smooth' });
      });
    }
  }

  /** The channel's feature visualization and diversity images (or why its render failed),
   * then its dataset examples. */
  function showImages(layer, ch, entries) {
    const fv = featvisSprite(study, layer, ch);
    if (fv?.failed) {
      root.append('p').attr('class', 'channel-caption render-failed').text(`Feature visualization: render failed: ${fv.failed}`);
    } else if (fv) {
      root.append('p').attr('class', 'channel-caption').text(fv.count > 1 ? 'Feature visualization and diversity images' : 'Feature visualization');
      const box = root.append('div').attr('class', 'channel-images featvis');
      for (let j = 0; j < fv.count; j++) {
        const tile = spriteTile(fv, j, j === 0 ? 84 : 48);
        tile.setAttribute('role', 'img');
        tile.setAttribute('aria-label', j === 0 ? `Feature visualization of ${layer} channel ${ch}` : `Diversity image ${j}`);
        box.node().append(tile);
      }
    }
    const ex = examplesSprite(study, layer, ch);
    if (!ex) return;
    const n = entries ? entries.length : ex.count;
    root
      .append('p')
      .attr('class', 'channel-caption')
      .text(entries ? `Top ${n} dataset examples` : 'Top dataset examples');
    const box = root.append('div').attr('class', 'channel-images examples');
    for (let k = 0; k < n; k++) {
      const tile = spriteTile(ex, k, 46);
      const e = entries?.[k];
      const text = e ? `${e.label ?? `class ${e.class}`} · image ${e.image} · max ${formatSig(e.value)}` : `example ${k + 1}`;
      tile.title = text;
      tile.setAttribute('role', 'img');
      tile.setAttribute('aria-label', text);
      box.node().append(tile);
    }
  }

  return {
    update(st, changed) {
      if (['channel', 'classIndex', 'compareIndex', 'study'].some((k) => changed.has(k))) show(st);
    },
  };
}
