// Attribution-graph view: the selected class's graph (or its union with the comparison
// class's), one row per layer with the last layer on top, vertices sized by count and drawn
// as the channel's feature visualization (else its top dataset example, else its number),
// edges as curves with width by weight; a vertex whose render failed is hatched with a dotted
// outline and its card says why (a grey render is no feature). Zoom/pan/reset; sliders
// filter vertices by count and stretch the graph, with animated transitions; moving the
// mouse across a vertex flips through its diversity images; hovering a vertex greys the
// rest, animates its edges and shows a card with the channel's details, images and dataset
// examples; hovering an edge highlights both ends; clicking (or Enter on) a vertex selects
// its channel. A highlight set by the Analyses panel (a motif's channels) is marked, with a
// legend to clear it.
import { loadJSON } from './data.js';
import { drawDensity } from './density.js';
import { showError } from './errors.js';
import { formatInt, formatSig } from './format.js';
import { fitTransform, layoutGraph, union } from './graph-layout.js';
import { loadClassLayerStats } from './layers.js';
import { examplesSprite, exampleClassSummary, featvisSprite, loadExamples, renderFailure, spriteTile, vertexSprite } from './sprites.js';
import { elementAnchor, hideTooltip, moveTooltip, showTooltip } from './tooltip.js';

const DURATION = 450;
const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const halfDisc = (r) => `M0,${-r}A${r},${r} 0 0 1 0,${r}Z`; // right half, for shared vertices
const halfRing = (r) => `M0,${-r - 2}A${r + 2},${r + 2} 0 0 1 0,${r + 2}`; // the same, around an image

async function loadGraph(cls) {
  const data = await loadJSON(cls.graph);
  if (!data || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
    throw new Error(`${cls.graph}: expected "nodes" and "edges" arrays`);
  }
  return data;
}

/** `vertexLines(cls, vertexId)`: more rows for a vertex's card (the per-class panels'). */
export function createGraph({ study, onSelectLayer, onSelectChannel, onClearHighlight, vertexLines = () => [] }) {
  const svg = d3.select('#graph-svg');
  const body = document.getElementById('graph-body');
  const message = document.getElementById('graph-message');
  const classLabel = d3.select('#graph-class');
  const stats = d3.select('#graph-stats');
  const legend = document.getElementById('compare-legend');
  const highlightLegend = document.getElementById('highlight-legend');
  document.getElementById('highlight-clear').addEventListener('click', () => onClearHighlight());
  const layerNames = study.layers.map((l) => l.name);
  const sliders = {
    minCount: document.getElementById('filter-count'),
    width: document.getElementById('graph-width'),
    height: document.getElementById('graph-height'),
  };

  const defs = svg.append('defs');
  const HATCH = 'render-failed-hatch'; // fills the vertices whose render failed
  const hatch = svg
    .append('defs')
    .append('pattern')
    .attr('id', HATCH)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 5)
    .attr('height', 5)
    .attr('patternTransform', 'rotate(45)');
  hatch.append('rect').attr('width', 5).attr('height', 5).attr('fill', '#fff');
  hatch.append('line').attr('x1', 2.5).attr('x2', 2.5).attr('y2', 5).attr('stroke', '#D55E00').attr('stroke-width', 1.4);
  const zoomG = svg.append('g').attr('class', 'zoom-layer');
  const rowsG = zoomG.append('g').attr('class', 'rows');
  const edgesG = zoomG.append('g').attr('class', 'edges');
  const nodesG = zoomG.append('g').attr('class', 'nodes');

  const zoom = d3
    .zoom()
    .scaleExtent([0.1, 10])
    .on('zoom', (event) => zoomG.attr('transform', event.transform));
  svg.call(zoom).on('dblclick.zoom', null);

  let layout = null;
  let graphData = null;
  let maxCount = 0;
  let fit = d3.zoomIdentity;
  let ticket = 0; // the newest load request
  let st = null;
  let hoverToken = 0;
  const patternIds = new Map(); // vertex id -> id of its image pattern
  const patternId = (n) => {
    if (!patternIds.has(n.id)) patternIds.set(n.id, `vertex-image-${patternIds.size}`);
    return patternIds.get(n.id);
  };

  document.getElementById('graph-reset').addEventListener('click', () => {
    svg.transition().duration(500).call(zoom.transform, fit);
  });

  function setMessage(text, isError = false) {
    message.hidden = !text;
    message.textContent = text || '';
    message.classList.toggle('error', isError);
  }

  function minCount() {
    return Math.ceil((Number(sliders.minCount.value) / 100) * maxCount);
  }

  function showSliderValues() {
    document.getElementById('filter-count-value').textContent = `≥ ${formatInt(minCount())}`;
    document.getElementById('graph-width-value').textContent = `${sliders.width.value}%`;
    document.getElementById('graph-height-value').textContent = `${sliders.height.value}%`;
  }

  /** Lay out and draw the current graph; `refit` re-centres it, `animate` tweens the change. */
  function render({ refit = false, animate = true } = {}) {
    showSliderValues();
    if (!graphData) return;
    const width = body.clientWidth;
    const height = body.clientHeight;
    if (!width || !height) return;
    layout = layoutGraph(graphData, layerNames, {
      width,
      height,
      minCount: minCount(),
      widthScale: Number(sliders.width.value) / 100,
      heightScale: Number(sliders.height.value) / 100,
    });
    const { rows, nodes, nodeById, edges } = layout;
    const t = svg.transition().duration(animate ? DURATION : 0).ease(d3.easeCubicInOut);

    // Rows ---------------------------------------------------------------
    const rowSel = rowsG
      .selectAll('g.row')
      .data(rows, (d) => d.name)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'row').attr('transform', (d) => `translate(0,${d.y})`);
        g.append('rect').attr('class', 'row-band');
        g.append('line').attr('class', 'row-line');
        g.append('text').attr('class', 'row-label');
        g.append('text').attr('class', 'row-sub');
        return g;
      });
    rowSel.transition(t).attr('transform', (d) => `translate(0,${d.y})`);
    const bandH = Math.min(Math.max(layout.rowGap * 0.85, 2 * layout.rMax + 8), 2 * layout.rMax + 36);
    rowSel
      .select('rect')
      .attr('x', layout.bounds.x0 + 4)
      .attr('width', layout.bounds.x1 - layout.bounds.x0 - 8)
      .attr('y', -bandH / 2)
      .attr('height', bandH)
      .attr('rx', 6);
    rowSel.select('line').attr('x1', layout.labelX + 6).attr('x2', layout.bounds.x1 - 10);
    rowSel
      .select('text.row-label')
      .attr('x', layout.labelX)
      .attr('y', -2)
      .attr('text-anchor', 'end')
      .text((d) => d.name)
      .on('click', (event, d) => onSelectLayer(d.name));
    rowSel
      .select('text.row-sub')
      .attr('x', layout.labelX)
      .attr('y', 11)
      .attr('text-anchor', 'end')
      .text((d) => (d.n === 1 ? '1 channel' : `${d.n} channels`));

    // Edges: a visible curve plus a wider transparent one that catches the pointer ------
    const link = d3
      .linkVertical()
      .x((p) => p.x)
      .y((p) => p.y);
    const edgePath = (e) => {
      const s = nodeById.get(e.source);
      const tg = nodeById.get(e.target);
      return link({ source: { x: s.x, y: s.y - s.r }, target: { x: tg.x, y: tg.y + tg.r } });
    };
    const edgeSel = edgesG
      .selectAll('g.edge')
      .data(edges, (e) => e.id)
      .join(
        (enter) => {
          const g = enter.append('g').attr('class', 'edge').attr('opacity', 0);
          g.append('path').attr('class', 'edge-line').attr('d', edgePath);
          g.append('path').attr('class', 'edge-hit').attr('d', edgePath);
          return g;
        },
        (update) => update,
        (exit) => exit.transition(t).attr('opacity', 0).remove(),
      )
      .attr('data-membership', (e) => e.membership ?? 'single')
      .order();
    edgeSel.transition(t).attr('opacity', 1);
    edgeSel.select('path.edge-line').transition(t).attr('d', edgePath).attr('stroke-width', (e) => e.width);
    edgeSel.select('path.edge-hit').attr('d', edgePath).attr('stroke-width', (e) => Math.max(8, e.width + 4));

    // Vertices -------------------------------------------------------------
    const failed = (n) => renderFailure(study, n.layer, n.channel);
    const nodeSel = nodesG
      .selectAll('g.node')
      .data(nodes, (n) => n.id)
      .join(
        (enter) => {
          const g = enter
            .append('g')
            .attr('class', 'node')
            .attr('tabindex', 0)
            .attr('role', 'button')
            .attr('transform', (n) => `translate(${n.x},${n.y}) scale(0.01)`);
          g.append('circle');
          g.append('path').attr('class', 'half');
          g.append('text');
          return g;
        },
        (update) => update,
        (exit) => exit.classed('leaving', true).transition(t).attr('opacity', 0).remove(),
      )
      .order()
      .classed('leaving', false)
      .attr('data-id', (n) => n.id)
      .attr('data-membership', (n) => n.membership ?? 'single')
      .classed('selected', (n) => n.id === st.channel)
      .classed('motif', (n) => Boolean(st.highlight?.ids.has(n.id)))
      .attr('aria-label', (n) => `${n.layer} channel ${n.channel}, count ${formatInt(n.count)}${membershipText(n)}${failed(n) ? ', render failed' : ''}`);
    nodeSel
      .transition(t)
      .attr('opacity', 1)
      .attr('transform', (n) => `translate(${n.x},${n.y})`);
    nodeSel.select('circle').attr('r', (n) => n.r);
    // A vertex with an image is filled with a pattern cropping its atlas; the pattern's
    // viewBox moves along the atlas row to show a diversity image.
    const sprite = (n) => vertexSprite(study, n.layer, n.channel);
    defs
      .selectAll('pattern')
      .data(nodes.filter(sprite), (n) => n.id)
      .join((enter) => {
        const p = enter
          .append('pattern')
          .attr('id', patternId)
          .attr('patternUnits', 'objectBoundingBox')
          .attr('width', 1)
          .attr('height', 1)
          .attr('preserveAspectRatio', 'none');
        p.append('image').attr('preserveAspectRatio', 'none');
        return p;
      })
      .each(function (n) {
        const sp = sprite(n);
        d3.select(this).attr('viewBox', `${sp.x} ${sp.y} ${sp.size} ${sp.size}`);
        d3.select(this)
          .select('image')
          .attr('href', sp.href)
          .attr('width', sp.atlasWidth)
          .attr('height', sp.atlasHeight);
      });
    nodeSel
      .classed('has-image', (n) => Boolean(sprite(n)))
      .classed('render-failed', (n) => Boolean(failed(n)))
      .select('circle')
      .style('fill', (n) => (sprite(n) ? `url(#${patternId(n)})` : failed(n) ? `url(#${HATCH})` : null));
    nodeSel
      .select('path.half')
      .attr('d', (n) => (n.membership !== 'both' ? null : sprite(n) || failed(n) ? halfRing(n.r) : halfDisc(n.r)));
    nodeSel
      .select('text')
      .text((n) => (sprite(n) ? '' : String(n.channel)))
      .style('font-size', (n) => `${clamp((2 * n.r - 2) / (0.62 * String(n.channel).length + 0.3), 7, 12)}px`);

    bindHover(nodeSel, edgeSel, edges);
    applyLayerHighlight();
    if (refit) {
      fit = fitTransform(layout.bounds, width, height);
      svg.interrupt().call(zoom.transform, fit);
    }
    const nFailed = nodes.filter(failed).length;
    stats.text(`${formatInt(nodes.length)} vertices · ${formatInt(edges.length)} edges${nFailed ? ` · ${formatInt(nFailed)} hatched: render failed` : ''}`);
    setMessage(nodes.length ? '' : 'No vertex passes the count filter.');
  }

  function membershipText(n) {
    if (!n.membership) return '';
    const names = { a: 'selected class only', b: 'comparison class only', both: 'both classes' };
    return `, in ${names[n.membership]}`;
  }

  function cardRows(n, edges) {
    const rows = [['layer', n.layer], ['channel', String(n.channel)]];
    if (n.counts) {
      rows.push([`count in ${study.classes[st.classIndex].name}`, formatInt(n.counts.a)]);
      rows.push([`count in ${study.classes[st.compareIndex].name}`, formatInt(n.counts.b)]);
    } else rows.push(['count', formatInt(n.count)]);
    rows.push(['pagerank', formatSig(n.pagerank)]);
    const shown = n.counts ? [st.classIndex, st.compareIndex] : [st.classIndex];
    for (const cls of shown.map((i) => study.classes[i])) {
      for (const [key, value] of vertexLines(cls, n.id)) rows.push([n.counts ? `${key} in ${cls.name}` : key, value]);
    }
    const inE = edges.filter((e) => e.target === n.id).length;
    const outE = edges.filter((e) => e.source === n.id).length;
    rows.push(['edges in / out', `${inE} / ${outE}`]);
    return rows;
  }

  /** The hover card: details and the channel's images now, then its dataset examples' classes
   * and the class's activation density as they load. */
  function showCard(at, n, edges) {
    const token = ++hoverToken;
    const tip = showTooltip(at, `${n.layer} · channel ${n.channel}`, cardRows(n, edges));
    const fv = featvisSprite(study, n.layer, n.channel);
    if (fv?.failed) {
      const note = caption(`render failed: ${fv.failed}`);
      note.classList.add('tt-failed');
      tip.append(note);
    } else if (fv) {
      const strip = document.createElement('div');
      strip.className = 'tt-featvis';
      for (let j = 0; j < fv.count; j++) {
        const tile = spriteTile(fv, j, j === 0 ? 56 : 34, 'sprite');
        tile.classList.toggle('current', j === 0);
        strip.append(tile);
      }
      tip.append(caption(fv.count > 1 ? 'feature visualization · diversity' : 'feature visualization'), strip);
    }
    const ex = examplesSprite(study, n.layer, n.channel);
    let exCaption = null;
    if (ex) {
      const grid = document.createElement('div');
      grid.className = 'tt-examples';
      for (let k = 0; k < ex.count; k++) grid.append(spriteTile(ex, k, 38, 'sprite'));
      exCaption = caption('top dataset examples');
      tip.append(exCaption, grid);
    }
    moveTooltip(at);
    if (ex) {
      loadExamples(study, n.layer)
        .then((channels) => {
          if (token !== hoverToken || tip.hidden || !channels?.[n.channel]) return;
          const entries = channels[n.channel];
          exCaption.textContent = entries.length
            ? `top ${entries.length} dataset examples: ${exampleClassSummary(entries)}`
            : 'no dataset examples';
        })
        .catch(() => {}); // the patches stay useful without their classes
    }
    loadClassLayerStats(study, st.classIndex, n.layer)
      .then((s) => {
        if (token !== hoverToken || tip.hidden) return;
        const box = document.createElement('div');
        box.className = 'tt-density';
        box.append(caption(`activation over ${study.classes[st.classIndex].name} (low → high)`));
        tip.append(box);
        d3.select(box).append('svg').call(drawDensity, s.class?.[n.channel], { width: 200, height: 14 });
        moveTooltip(at);
      })
      .catch(() => {}); // the card stays useful without the histogram
  }

  function caption(text) {
    const div = document.createElement('div');
    div.className = 'tt-key tt-caption';
    div.textContent = text;
    return div;
  }

  /** Moving across a vertex shows diversity image j of its feature visualization. */
  function showDiversity(n, j) {
    const fv = featvisSprite(study, n.layer, n.channel);
    if (!fv || fv.failed || fv.count < 2) return;
    d3.select(`#${patternId(n)}`).attr('viewBox', `${fv.x + j * fv.size} ${fv.y} ${fv.size} ${fv.size}`);
    d3.selectAll('#tooltip .tt-featvis .sprite').classed('current', (_, k) => k === j);
  }

  function diversityIndex(event, element, n) {
    const fv = featvisSprite(study, n.layer, n.channel);
    if (!fv || fv.failed || fv.count < 2) return 0;
    const [x] = d3.pointer(event, element);
    return clamp(Math.floor(((x + n.r) / (2 * n.r)) * fv.count), 0, fv.count - 1);
  }

  function bindHover(nodeSel, edgeSel, edges) {
    const highlightNode = (n) => {
      const neighbours = new Set([n.id]);
      for (const e of edges) {
        if (e.source === n.id) neighbours.add(e.target);
        if (e.target === n.id) neighbours.add(e.source);
      }
      svg.classed('hovering', true);
      edgeSel.classed('hl', (e) => e.source === n.id || e.target === n.id);
      nodeSel.classed('hl', (m) => neighbours.has(m.id)).classed('active', (m) => m.id === n.id);
    };
    const highlightEdge = (e) => {
      svg.classed('hovering', true);
      edgeSel.classed('hl', (f) => f === e);
      nodeSel.classed('hl', (m) => m.id === e.source || m.id === e.target).classed('active', false);
    };
    const unhighlight = (event, n) => {
      if (n?.layer) showDiversity(n, 0);
      hoverToken += 1;
      svg.classed('hovering', false);
      edgeSel.classed('hl', false);
      nodeSel.classed('hl', false).classed('active', false);
      hideTooltip();
    };
    nodeSel
      .on('mouseenter', (event, n) => {
        highlightNode(n);
        showCard(event, n, edges);
      })
      .on('mousemove', function (event, n) {
        showDiversity(n, diversityIndex(event, this, n));
        moveTooltip(event);
      })
      .on('mouseleave', unhighlight)
      .on('focus', function (event, n) {
        highlightNode(n);
        showCard(elementAnchor(this), n, edges);
      })
      .on('blur', unhighlight)
      .on('click', (event, n) => onSelectChannel(n.id))
      .on('keydown', (event, n) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onSelectChannel(n.id);
        }
      });
    edgeSel
      .on('mouseenter', (event, e) => {
        highlightEdge(e);
        showTooltip(event, `${e.source} → ${e.target}`, [['weight', formatInt(e.weight)]]);
      })
      .on('mousemove', (event) => moveTooltip(event))
      .on('mouseleave', unhighlight);
  }

  function applyLayerHighlight() {
    rowsG.selectAll('rect.row-band').classed('current', (d) => d.name === st.layer);
    rowsG.selectAll('text.row-label').classed('current', (d) => d.name === st.layer);
  }

  function showHeading() {
    const cls = study.classes[st.classIndex];
    const other = st.compareIndex == null ? null : study.classes[st.compareIndex];
    classLabel.text(other ? `— ${cls.name} vs ${other.name}` : `— ${cls.name}`);
    d3.select('#graph-heading').attr('title', classLabel.text().slice(2));
    legend.hidden = !other;
    if (other) {
      d3.select('#legend-a').text(cls.name);
      d3.select('#legend-b').text(other.name);
    }
  }

  async function load() {
    const mine = ++ticket;
    const picked = [st.classIndex, st.compareIndex].filter((i) => i != null).map((i) => study.classes[i]);
    showHeading();
    hideTooltip();
    let graphs;
    try {
      graphs = await Promise.all(picked.map(loadGraph));
    } catch (err) {
      if (mine !== ticket) return;
      graphData = null;
      layout = null;
      rowsG.selectAll('*').remove();
      edgesG.selectAll('*').remove();
      nodesG.selectAll('*').remove();
      stats.text('');
      setMessage(`Could not load the attribution graph: ${err.message}`, true);
      showError(`Could not load an attribution graph: ${err.message}`);
      return;
    }
    if (mine !== ticket) return; // a newer selection superseded this one
    graphData = graphs.length > 1 ? union(graphs[0], graphs[1]) : graphs[0];
    maxCount = d3.max(graphData.nodes, (n) => n.count) || 0;
    render({ refit: true, animate: layout !== null });
  }

  for (const slider of Object.values(sliders)) slider.addEventListener('input', () => render());
  showSliderValues();

  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => render({ refit: true, animate: false }), 120);
  }).observe(body);

  function showHighlight() {
    const h = st.highlight;
    highlightLegend.hidden = !h;
    d3.select('#highlight-label').text(h ? `${h.label}: ${h.ids.size} channels marked` : '');
    nodesG.selectAll('g.node').classed('motif', (n) => Boolean(h?.ids.has(n.id)));
  }

  return {
    update(state, changed) {
      st = state;
      if (changed.has('layer')) applyLayerHighlight();
      if (['classIndex', 'compareIndex', 'study'].some((k) => changed.has(k))) load();
      else if (changed.has('channel')) nodesG.selectAll('g.node').classed('selected', (n) => n.id === st.channel);
      if (changed.has('highlight') || changed.has('study')) showHighlight();
    },
  };
}
