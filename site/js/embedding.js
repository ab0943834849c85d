// Embedding view: one dot per class at the current layer's 2-D coordinates, a layer map (one
// box per primary layer, input on the left, box height ∝ channels) that switches the layer
// and animates the dots, zoom and pan, labels once zoomed in far enough, and highlights of
// the selected, compared, hovered and sidebar-visible classes.
import { formatPct, shortLayerNames } from './format.js';
import { hideTooltip, moveTooltip, showTooltip } from './tooltip.js';

const SIZE = 400; // viewBox side (the SVG scales to its container)
const MARGIN = 22;
const R = 5;
const R_SELECTED = 8;
const DURATION = 750;
const LABELS_PER_VIEW = 30; // all labels show once about this many classes fit the view
const MAX_LABEL = 28; // characters; longer names are shortened (the full name is in the tooltip)

const shorten = (name) => (name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name);

function drawLayerMap(study, onSelectLayer) {
  const maxChannels = d3.max(study.layers, (l) => l.channels) || 1;
  const labels = new Map(
    d3.zip(study.layers.map((l) => l.name), shortLayerNames(study.layers.map((l) => l.name))),
  );
  const boxes = d3
    .select('#layer-map')
    .selectAll('button')
    .data(study.layers)
    .join('button')
    .attr('type', 'button')
    .attr('class', 'layer-box')
    .attr('aria-pressed', 'false')
    .attr('title', (d) => `${d.name}: ${d.channels} channels`)
    .on('click', (event, d) => onSelectLayer(d.name));
  boxes
    .append('span')
    .attr('class', 'layer-block')
    .attr('aria-hidden', 'true')
    .style('height', (d) => `${8 + 22 * Math.sqrt((d.channels || 0) / maxChannels)}px`);
  boxes.append('span').attr('class', 'layer-name').text((d) => labels.get(d.name)); // whole in the title
  return boxes;
}

export function createEmbedding({ study, onSelectClass, onSelectLayer, onHover }) {
  const svg = d3.select('#embedding-svg');
  const message = document.getElementById('embedding-message');
  const x = d3.scaleLinear().domain([0, 1]).range([MARGIN, SIZE - MARGIN]);
  const y = d3.scaleLinear().domain([0, 1]).range([SIZE - MARGIN, MARGIN]);
  const labelZoom = Math.max(1, Math.sqrt(study.classes.length / LABELS_PER_VIEW));

  const layerBoxes = drawLayerMap(study, onSelectLayer);

  svg.append('rect').attr('class', 'frame').attr('width', SIZE).attr('height', SIZE);
  const plot = svg.append('g');
  const dotsG = plot.append('g').attr('class', 'dots');
  const labelsG = plot.append('g').attr('class', 'labels').attr('aria-hidden', 'true');

  const classes = study.classes.map((c, index) => ({ ...c, index, label: shorten(String(c.name ?? '')) }));
  let coords = null;
  let transform = d3.zoomIdentity;
  let st = null;

  const px = (d) => transform.applyX(coords?.[d.index] ? x(coords[d.index][0]) : SIZE / 2);
  const py = (d) => transform.applyY(coords?.[d.index] ? y(coords[d.index][1]) : SIZE / 2);

  const dots = dotsG
    .selectAll('circle')
    .data(classes)
    .join('circle')
    .attr('class', 'dot')
    .attr('data-index', (d) => d.index)
    .attr('r', R)
    .attr('cx', SIZE / 2)
    .attr('cy', SIZE / 2)
    .on('click', (event, d) => onSelectClass(d.index))
    .on('mouseenter', (event, d) => {
      onHover(d.index);
      showTooltip(event, d.name, [['top-1 accuracy', formatPct(d.accuracy)]]);
    })
    .on('mousemove', (event) => moveTooltip(event))
    .on('mouseleave', () => {
      onHover(null);
      hideTooltip();
    });
  const labels = labelsG
    .selectAll('text')
    .data(classes)
    .join('text')
    .attr('class', 'dot-label')
    .attr('display', 'none')
    .text((d) => d.label);
  let shownLabels = new Set();

  /** Which labels show: all once zoomed in far enough, else the selected, compared and hovered. */
  function labelShown(d) {
    if (!coords?.[d.index]) return false;
    if (d.index === st.classIndex || d.index === st.compareIndex || d.index === st.hoverClass) return true;
    return transform.k >= labelZoom && (!st.visibleClasses || st.visibleClasses.has(d.index));
  }

  /** Show the labels that qualify, greedily skipping any that would overlap one already shown. */
  function showLabels() {
    const important = (d) => d.index === st.classIndex || d.index === st.compareIndex || d.index === st.hoverClass;
    const inView = (d) => px(d) >= 0 && px(d) <= SIZE && py(d) >= 0 && py(d) <= SIZE;
    const wanted = classes.filter((d) => labelShown(d) && inView(d)).sort((a, b) => important(b) - important(a));
    const placed = [];
    const shown = new Set();
    for (const d of wanted) {
      const w = d.label.length * (important(d) ? 7.5 : 6.2);
      const x0 = px(d) > SIZE * 0.7 ? px(d) - R_SELECTED - 3 - w : px(d) + R_SELECTED + 3;
      const box = [x0, py(d) - 8, x0 + w, py(d) + 6];
      const hits = placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]);
      if (hits && !important(d)) continue;
      placed.push(box);
      shown.add(d.index);
    }
    labels.filter((d) => shown.has(d.index) !== shownLabels.has(d.index)).attr('display', (d) => (shown.has(d.index) ? null : 'none'));
    shownLabels = shown;
  }

  function place(animate) {
    const dotSel = animate ? dots.transition().duration(DURATION).ease(d3.easeCubicInOut) : dots.interrupt();
    dotSel.attr('cx', px).attr('cy', py);
    showLabels();
    const labelSel = animate ? labels.transition().duration(DURATION).ease(d3.easeCubicInOut) : labels.interrupt();
    // Labels sit right of their dot, or left of it near the right edge.
    const onLeft = (d) => px(d) > SIZE * 0.7;
    labels.attr('text-anchor', (d) => (onLeft(d) ? 'end' : 'start'));
    labelSel.attr('x', (d) => (onLeft(d) ? px(d) - R_SELECTED - 3 : px(d) + R_SELECTED + 3)).attr('y', (d) => py(d) + 4);
  }

  const zoom = d3
    .zoom()
    .scaleExtent([1, 40])
    .translateExtent([
      [0, 0],
      [SIZE, SIZE],
    ])
    .on('zoom', (event) => {
      transform = event.transform;
      place(false);
    });
  svg.call(zoom).on('dblclick.zoom', null);
  document.getElementById('embedding-reset').addEventListener('click', () => {
    svg.transition().duration(400).call(zoom.transform, d3.zoomIdentity);
  });

  const flagged = new Set(); // dots last drawn as selected, compared or hovered

  /** Restyle only the dots whose role changed (a full pass per class switch is slow at 1000 classes). */
  function restyle(changed) {
    const special = new Set([st.classIndex, st.compareIndex, st.hoverClass].filter((i) => i != null));
    const touched = dots.filter((d) => flagged.has(d.index) || special.has(d.index));
    if (changed.has('study') || changed.has('layer')) dots.attr('display', (d) => (coords?.[d.index] ? null : 'none'));
    if (changed.has('study') || changed.has('visibleClasses')) {
      const visible = st.visibleClasses;
      dots.classed('dimmed', (d) => Boolean(visible) && !visible.has(d.index));
    }
    touched
      .classed('selected', (d) => d.index === st.classIndex)
      .classed('compared', (d) => d.index === st.compareIndex)
      .classed('hovered', (d) => d.index === st.hoverClass)
      .attr('r', (d) => (d.index === st.classIndex || d.index === st.compareIndex ? R_SELECTED : R));
    labels.filter((d) => flagged.has(d.index) || special.has(d.index))
      .classed('strong', (d) => d.index === st.classIndex || d.index === st.compareIndex);
    touched.filter((d) => special.has(d.index)).raise();
    flagged.clear();
    for (const i of special) flagged.add(i);
  }

  return {
    update(state, changed) {
      st = state;
      layerBoxes.attr('aria-pressed', (d) => String(d.name === st.layer));
      const moved = changed.has('layer') || changed.has('study');
      if (moved) {
        const pts = study.embedding?.[st.layer];
        coords = Array.isArray(pts)
          ? classes.map((_, i) => (Array.isArray(pts[i]) && pts[i].every(Number.isFinite) ? pts[i] : null))
          : null;
        message.hidden = coords !== null;
        message.textContent = coords ? '' : `No embedding for layer ${st.layer}.`;
      }
      restyle(changed);
      if (moved) place(!changed.has('study'));
      else showLabels();
    },
  };
}
