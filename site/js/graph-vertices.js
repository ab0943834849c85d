// The graph view's vertices (graph.js): discs sized by count, each drawn as the channel's
// feature visualization (else its top dataset example, else its number) through an SVG
// pattern cropping its atlas; a vertex whose render failed is hatched. A vertex beyond the
// configured graph, or a panel's extra vertex (graph-controls.js), is pale and shows a
// feature visualization only if one was rendered. Comparing models,
// a matched pair is one vertex: this model's render on the left half, the other's on the
// right. Moving the mouse across a vertex flips through its diversity images.
import { vertexLabel, vertexRenders } from './models.js';
import { featvisSprite, modelFeatvisSprite, renderFailure, vertexSprite } from './sprites.js';
import { parseChannel } from './state.js';
import { HATCH } from './graph-scene.js';

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const halfDisc = (r) => `M0,${-r}A${r},${r} 0 0 1 0,${r}Z`; // right half, for shared vertices
const halfRing = (r) => `M0,${-r - 2}A${r + 2},${r + 2} 0 0 1 0,${r + 2}`; // the same, around an image

/** The id of a vertex's image pattern (B's half of a matched pair: the id and "-b"). */
function patternId(view, n) {
  if (!view.patternIds.has(n.id)) view.patternIds.set(n.id, `vertex-image-${view.patternIds.size}`);
  return view.patternIds.get(n.id);
}

/** A vertex beyond the configured graph or a panel's extra one. */
const isPale = (view, n) => view.beyond.has(n.id) || view.extras.has(n.id);

/** A render's feature visualizations, in its own model's atlas. */
export const featvisOf = (study, r) => (r.model === 'b' ? modelFeatvisSprite(study, r.layer, r.channel) : featvisSprite(study, r.layer, r.channel));

/**
 * What a vertex shows, per render (models.js `vertexRenders`; one unless a matched pair of
 * two models): `{render, sprite, failed}`, the image (a feature visualization, else for this
 * model's channels a dataset example) or null, and null or why the render failed. A vertex
 * beyond the configured graph shows only a rendered feature visualization.
 */
function rendersOf(view, n) {
  const { study } = view;
  const renders = view.record ? vertexRenders(n) : [{ model: 'a', layer: n.layer, channel: n.channel }];
  return renders.map((r) => {
    const fv = featvisOf(study, r);
    if (r.model === 'b' || isPale(view, n)) return { render: r, sprite: fv && !fv.failed ? fv : null, failed: fv?.failed ?? null };
    return { render: r, sprite: vertexSprite(study, r.layer, r.channel), failed: renderFailure(study, r.layer, r.channel) };
  });
}

/** Draw the laid-out vertices (entering ones grow from their place, leaving ones fade) with
 * their images; returns their selection. */
export function drawVertices(view, t) {
  const { nodes } = view.layout;
  const { st } = view;
  view.shows = new Map(nodes.map((n) => [n.id, rendersOf(view, n)]));
  const nodeSel = view.scene.nodesG
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
        g.append('path').attr('class', 'half-image');
        g.append('path').attr('class', 'half');
        g.append('text');
        g.append('path').attr('class', 'support-track');
        g.append('path').attr('class', 'support-arc');
        return g;
      },
      (update) => update,
      (exit) => exit.classed('leaving', true).transition(t).attr('opacity', 0).remove(),
    )
    .order()
    .classed('leaving', false)
    .attr('data-id', (n) => n.id)
    .attr('data-membership', (n) => n.membership ?? 'single')
    .attr('aria-disabled', (n) => (parseChannel(view.study, n.id) ? null : 'true'))
    .classed('selected', (n) => n.id === st.channel)
    .classed('motif', (n) => Boolean(st.highlight?.ids.has(n.id)))
    .classed('beyond', (n) => isPale(view, n));
  nodeSel
    .transition(t)
    .attr('opacity', 1)
    .attr('transform', (n) => `translate(${n.x},${n.y})`);
  nodeSel.select('circle').attr('r', (n) => n.r);
  drawPatterns(view, nodes);
  fillVertices(view, nodeSel);
  return nodeSel;
}

/** The vertices' shown renders: the whole disc's, and comparing models B's side of a matched pair. */
function showsOf(view) {
  const sprite = (n) => view.shows.get(n.id)[0].sprite;
  const failed = (n) => view.shows.get(n.id)[0].failed;
  const half = (n) => view.shows.get(n.id)[1] ?? null;
  return { sprite, failed, half, anyImage: (n) => Boolean(sprite(n) || half(n)?.sprite) };
}

/** A vertex with an image is filled with a pattern cropping its atlas; the pattern's viewBox
 * moves along the atlas row to show a diversity image. B's side of a matched pair is a right
 * half-disc filled with a pattern laid over the whole disc, so it shows the right half of B's
 * render beside the left half of A's. */
function drawPatterns(view, nodes) {
  const { sprite, half } = showsOf(view);
  const { defs } = view.scene;
  defs
    .selectAll('pattern.vertex-image')
    .data(nodes.filter(sprite), (n) => n.id)
    .join((enter) => {
      const p = enter
        .append('pattern')
        .attr('class', 'vertex-image')
        .attr('id', (n) => patternId(view, n))
        .attr('patternUnits', 'objectBoundingBox')
        .attr('width', 1)
        .attr('height', 1)
        .attr('preserveAspectRatio', 'none');
      p.append('image').attr('preserveAspectRatio', 'none');
      return p;
    })
    .each(function (n) {
      fillPattern(d3.select(this), sprite(n));
    });
  defs
    .selectAll('pattern.half-image')
    .data(nodes.filter((n) => half(n)?.sprite), (n) => n.id)
    .join((enter) => {
      const p = enter
        .append('pattern')
        .attr('class', 'half-image')
        .attr('id', (n) => `${patternId(view, n)}-b`)
        .attr('patternUnits', 'userSpaceOnUse')
        .attr('preserveAspectRatio', 'none');
      p.append('image').attr('preserveAspectRatio', 'none');
      return p;
    })
    .each(function (n) {
      fillPattern(d3.select(this).attr('x', -n.r).attr('y', -n.r).attr('width', 2 * n.r).attr('height', 2 * n.r), half(n).sprite);
    });
}

/** Point a vertex pattern (d3 selection) at a sprite's first image. */
function fillPattern(pattern, sp) {
  pattern.attr('viewBox', `${sp.x} ${sp.y} ${sp.size} ${sp.size}`);
  pattern.select('image').attr('href', sp.href).attr('width', sp.atlasWidth).attr('height', sp.atlasHeight);
}

/** Fill each vertex with its image (or the hatch), B's half of a matched pair with B's, mark
 * a vertex of both graphs with a half-disc, and number a vertex without an image. */
function fillVertices(view, nodeSel) {
  const { sprite, failed, half, anyImage } = showsOf(view);
  nodeSel
    .classed('has-image', anyImage)
    .classed('render-failed', (n) => Boolean(failed(n)))
    .select('circle')
    .style('fill', (n) => (sprite(n) ? `url(#${patternId(view, n)})` : failed(n) ? `url(#${HATCH})` : null));
  nodeSel
    .select('path.half-image')
    .attr('d', (n) => (half(n) ? halfDisc(n.r) : null))
    .style('fill', (n) => (half(n)?.sprite ? `url(#${patternId(view, n)}-b)` : half(n)?.failed ? `url(#${HATCH})` : null));
  nodeSel
    .select('path.half')
    .attr('d', (n) => {
      if (n.membership !== 'both') return null;
      const marked = anyImage(n) || failed(n) || half(n)?.failed;
      if (half(n)) return marked ? halfRing(n.r) : null; // the half-disc is B's side already
      return marked ? halfRing(n.r) : halfDisc(n.r);
    });
  const label = (n) => (view.record ? vertexLabel(n) : String(n.channel));
  nodeSel
    .select('text')
    .text((n) => (anyImage(n) ? '' : label(n)))
    .style('font-size', (n) => `${clamp((2 * n.r - 2) / (0.62 * label(n).length + 0.3), 7, 12)}px`);
}

/** Moving across a vertex (at share `f` of its width, from the left) shows the matching
 * diversity image of each of its feature visualizations, in the vertex and in its card. */
export function showDiversity(view, n, f) {
  (view.shows.get(n.id) ?? []).forEach(({ render }, side) => {
    const fv = featvisOf(view.study, render);
    if (!fv || fv.failed || fv.count < 2) return;
    const j = clamp(Math.floor(f * fv.count), 0, fv.count - 1);
    d3.select(`#${patternId(view, n)}${side ? '-b' : ''}`).attr('viewBox', `${fv.x + j * fv.size} ${fv.y} ${fv.size} ${fv.size}`);
    d3.selectAll(`#tooltip .tt-featvis[data-model="${render.model}"] .sprite`).classed('current', (_, k) => k === j);
  });
}

/** Where the pointer is across a vertex: 0 at its left edge, 1 at its right. */
export function diversityAt(event, element, n) {
  const [x] = d3.pointer(event, element);
  return clamp((x + n.r) / (2 * n.r), 0, 1);
}
