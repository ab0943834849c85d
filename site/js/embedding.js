// Embedding view: one dot per class at the selected layer's 2-D coordinates,
// plus a row of layer buttons that switches the layer with an animated transition.
import { formatPct } from './format.js';
import { hideTooltip, moveTooltip, showTooltip } from './tooltip.js';

const SIZE = 400; // viewBox side (the SVG scales to its container)
const MARGIN = 22;
const R = 6;
const R_SELECTED = 9;
const DURATION = 750;

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

export function createEmbedding({ study, onSelectClass, onSelectLayer }) {
  const svg = d3.select('#embedding-svg');
  const message = document.getElementById('embedding-message');
  const x = d3.scaleLinear().domain([0, 1]).range([MARGIN, SIZE - MARGIN]);
  const y = d3.scaleLinear().domain([0, 1]).range([SIZE - MARGIN, MARGIN]);

  // Layer buttons ----------------------------------------------------------
  const layerButtons = d3
    .select('#layer-buttons')
    .selectAll('button')
    .data(study.layers)
    .join('button')
    .attr('type', 'button')
    .attr('aria-pressed', 'false')
    .attr('title', (d) => (d.channels != null ? `${d.name} (${d.channels} channels)` : d.name))
    .text((d) => d.name)
    .on('click', (event, d) => onSelectLayer(d.name));

  // Dots ---------------------------------------------------------------------
  svg.append('rect').attr('class', 'frame').attr('width', SIZE).attr('height', SIZE);
  const dotsG = svg.append('g').attr('class', 'dots');
  const label = svg.append('text').attr('class', 'dot-label').attr('aria-hidden', 'true');

  const classes = study.classes.map((c, index) => ({ ...c, index }));
  const dots = dotsG
    .selectAll('circle')
    .data(classes)
    .join('circle')
    .attr('class', 'dot')
    .attr('r', R)
    .attr('cx', SIZE / 2)
    .attr('cy', SIZE / 2)
    .on('click', (event, d) => onSelectClass(d.index))
    .on('mouseenter', (event, d) => showTooltip(event, d.name, [['top-1 accuracy', formatPct(d.accuracy)]]))
    .on('mousemove', (event) => moveTooltip(event))
    .on('mouseleave', hideTooltip);

  function coordsFor(layer) {
    const pts = study.embedding?.[layer];
    if (!Array.isArray(pts)) return null;
    return classes.map((_, i) => {
      const p = pts[i];
      return Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
    });
  }

  let coords = null;

  const MAX_LABEL = 40; // characters; longer names are shortened (full name in the tooltip)

  function placeLabel(st, animate) {
    const d = classes[st.classIndex];
    const p = coords?.[st.classIndex];
    if (!d || !p) {
      label.attr('display', 'none');
      return;
    }
    const name = String(d.name ?? '');
    const text = name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
    label.interrupt().attr('display', null).attr('text-anchor', 'start').text(text);
    const len = label.node().getComputedTextLength();
    const px = x(p[0]);
    const py = y(p[1]);
    const gap = R_SELECTED + 4;
    // Prefer right of the dot, then left; otherwise clamp inside the frame.
    let lx = px + gap;
    if (lx + len > SIZE - 4) lx = px - gap - len >= 4 ? px - gap - len : clamp(px - len / 2, 4, SIZE - 4 - len);
    const inline = lx === px + gap || lx === px - gap - len;
    let ly = inline ? py + 5 : py - gap - 2; // above the dot when centred on it
    if (!inline && ly < 16) ly = py + gap + 12;
    const t = animate ? label.transition().duration(DURATION).ease(d3.easeCubicInOut) : label;
    t.attr('x', lx).attr('y', ly);
  }

  return {
    update(st, changed) {
      layerButtons.attr('aria-pressed', (d) => String(d.name === st.layer));

      const animate = changed.has('layer') && !changed.has('study');
      if (changed.has('layer') || changed.has('study')) {
        coords = coordsFor(st.layer);
        message.hidden = coords !== null;
        message.textContent = coords ? '' : `No embedding for layer ${st.layer}.`;
        const sel = dots.attr('display', (d) => (coords?.[d.index] ? null : 'none'));
        const t = animate ? sel.transition().duration(DURATION).ease(d3.easeCubicInOut) : sel;
        t.attr('cx', (d) => (coords?.[d.index] ? x(coords[d.index][0]) : SIZE / 2)).attr(
          'cy',
          (d) => (coords?.[d.index] ? y(coords[d.index][1]) : SIZE / 2),
        );
      }

      dots
        .classed('selected', (d) => d.index === st.classIndex)
        .attr('r', (d) => (d.index === st.classIndex ? R_SELECTED : R));
      dots.filter((d) => d.index === st.classIndex).raise();
      placeLabel(st, animate);
    },
  };
}

