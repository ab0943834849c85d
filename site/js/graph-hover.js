// Pointer and keyboard on the graph view's vertices and edges (graph.js): hovering (or
// focusing) a vertex greys the rest, animates its edges and shows its card (graph-card.js);
// moving the mouse across it flips through its diversity images; hovering an edge highlights
// both ends and shows its weight; clicking (or Enter on) a vertex selects its channel.
import { formatInt } from './format.js';
import { parseChannel } from './state.js';
import { elementAnchor, hideTooltip, moveTooltip, showTooltip } from './tooltip.js';
import { showCard } from './graph-card.js';
import { diversityAt, showDiversity } from './graph-vertices.js';

/** Bind the drawn vertices (`nodeSel`) and edges (`edgeSel`, the layout's `edges`). */
export function bindHover(view, nodeSel, edgeSel, edges) {
  const hl = highlighter(view, nodeSel, edgeSel, edges);
  nodeSel
    .on('mouseenter', (event, n) => {
      hl.node(n);
      showCard(view, event, n, edges);
    })
    .on('mousemove', function (event, n) {
      showDiversity(view, n, diversityAt(event, this, n));
      moveTooltip(event);
    })
    .on('mouseleave', hl.clear)
    .on('focus', function (event, n) {
      hl.node(n);
      showCard(view, elementAnchor(this), n, edges);
    })
    .on('blur', hl.clear)
    .on('click', (event, n) => select(view, n))
    .on('keydown', (event, n) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select(view, n);
      }
    });
  edgeSel
    .on('mouseenter', (event, e) => {
      hl.edge(e);
      showTooltip(event, `${e.source} → ${e.target}`, [['weight', formatInt(e.weight)], ...(e.lines || [])]);
    })
    .on('mousemove', (event) => moveTooltip(event))
    .on('mouseleave', hl.clear);
}

/** Greying all but a vertex and its neighbours (`node`) or an edge and its ends (`edge`), and
 * undoing it (`clear`, as a listener: it also resets the vertex's diversity image and hides
 * the card). */
function highlighter(view, nodeSel, edgeSel, edges) {
  const { svg } = view.scene;
  return {
    node(n) {
      const neighbours = new Set([n.id]);
      for (const e of edges) {
        if (e.source === n.id) neighbours.add(e.target);
        if (e.target === n.id) neighbours.add(e.source);
      }
      svg.classed('hovering', true);
      edgeSel.classed('hl', (e) => e.source === n.id || e.target === n.id);
      nodeSel.classed('hl', (m) => neighbours.has(m.id)).classed('active', (m) => m.id === n.id);
    },
    edge(e) {
      svg.classed('hovering', true);
      edgeSel.classed('hl', (f) => f === e);
      nodeSel.classed('hl', (m) => m.id === e.source || m.id === e.target).classed('active', false);
    },
    clear(event, n) {
      if (n?.layer) showDiversity(view, n, 0);
      view.hoverToken += 1;
      svg.classed('hovering', false);
      edgeSel.classed('hl', false);
      nodeSel.classed('hl', false).classed('active', false);
      hideTooltip();
    },
  };
}

/** Select a vertex's channel; a vertex of the second model alone ("l2:b7") is no channel of
 * this model's and selects nothing. */
function select(view, n) {
  if (parseChannel(view.study, n.id)) view.hooks.onSelectChannel(n.id);
}
