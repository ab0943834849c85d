// site/js/share.js (the graph view's share slider) on the class graphs the Python writer
// ships (tests/vectors/site, with their slider data and entry shares), and on small cases:
// at the configured share the graph is the configured one exactly, vertices only enter as
// the share grows, and edges join shown vertices only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { SHARE_STEP, formatShare, graphAtShare, readShare, sliderOf } from '../../site/js/share.js';

const root = new URL('../vectors/site/', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const study = read('data/study.json');
const graphs = study.classes.map((c) => [c, read(c.graph)]);
const ids = (list) => list.map((x) => x.id ?? `${x.source}>${x.target}`).sort();
const edgeIds = (list) => list.map((e) => `${e.source}>${e.target}`).sort();

/** Every step of a slider's range, as the range input gives them. */
function steps([low, high]) {
  const out = [];
  for (let k = 0; low + k * SHARE_STEP <= high + 1e-12; k++) out.push(readShare(low + k * SHARE_STEP));
  return out;
}

test('the writer ships each class its slider and its configured share', () => {
  for (const [c, g] of graphs) {
    const slider = sliderOf(g, c.share);
    assert.ok(slider, `class ${c.id} has a slider`);
    assert.equal(slider.share, c.share);
    assert.ok(slider.range[0] < slider.share && slider.share < slider.range[1]);
    assert.ok(g.slider.nodes.length > 0 && g.slider.edges.length > 0);
    for (const n of g.nodes) assert.ok(n.entry_share < c.share, n.id);
    for (const n of g.slider.nodes) assert.ok(n.entry_share >= c.share && n.entry_share < slider.range[1], n.id);
  }
});

test('at the configured share the graph is the configured one', () => {
  for (const [c, g] of graphs) {
    const at = graphAtShare(g, c.share, c.share);
    assert.deepStrictEqual(ids(at.nodes), ids(g.nodes));
    assert.deepStrictEqual(edgeIds(at.edges), edgeIds(g.edges));
    assert.ok(at.nodes.every((n) => !n.beyond));
  }
});

test('at the top of the range every vertex is in, at the bottom only the earliest', () => {
  for (const [c, g] of graphs) {
    const { range } = sliderOf(g, c.share);
    const top = graphAtShare(g, range[1], c.share);
    assert.deepStrictEqual(ids(top.nodes), ids([...g.nodes, ...g.slider.nodes]));
    assert.deepStrictEqual(edgeIds(top.edges), edgeIds([...g.edges, ...g.slider.edges]));
    assert.equal(top.nodes.filter((n) => n.beyond).length, g.slider.nodes.length);
    const bottom = graphAtShare(g, range[0], c.share);
    assert.deepStrictEqual(ids(bottom.nodes), ids(g.nodes.filter((n) => n.entry_share < range[0])));
    assert.ok(bottom.nodes.length < g.nodes.length, `class ${c.id}: the low end drops vertices`);
  }
});

test('vertices only enter as the share grows, and edges join shown vertices', () => {
  for (const [c, g] of graphs) {
    let before = new Set();
    for (const s of steps(sliderOf(g, c.share).range)) {
      const at = graphAtShare(g, s, c.share);
      const shown = new Set(at.nodes.map((n) => n.id));
      for (const id of before) assert.ok(shown.has(id), `${id} left at ${s}`);
      for (const e of at.edges) assert.ok(shown.has(e.source) && shown.has(e.target));
      const all = [...g.edges, ...g.slider.edges].filter((e) => shown.has(e.source) && shown.has(e.target));
      assert.equal(at.edges.length, all.length);
      before = shown;
    }
  }
});

test('a configured vertex kept a little early (unified step) stays from the configured share up', () => {
  const g = {
    layers: ['a', 'b'],
    nodes: [
      { id: 'a:0', layer: 'a', channel: 0, count: 3, entry_share: 0 },
      { id: 'b:1', layer: 'b', channel: 1, count: 2, entry_share: 0.08 }, // kept at 0.075 by the coarse step
    ],
    edges: [{ source: 'a:0', target: 'b:1', weight: 2 }],
    slider: { range: [0.025, 0.2], nodes: [{ id: 'b:2', layer: 'b', channel: 2, count: 1, entry_share: 0.09 }], edges: [{ source: 'a:0', target: 'b:2', weight: 1 }] },
  };
  assert.deepStrictEqual(ids(graphAtShare(g, 0.075, 0.075).nodes), ['a:0', 'b:1']);
  assert.deepStrictEqual(ids(graphAtShare(g, 0.0725, 0.075).nodes), ['a:0']);
  assert.deepStrictEqual(ids(graphAtShare(g, 0.0725, 0.075).edges), []);
  assert.deepStrictEqual(ids(graphAtShare(g, 0.09, 0.075).nodes), ['a:0', 'b:1']); // entry 0.09 enters above 0.09
  assert.deepStrictEqual(ids(graphAtShare(g, 0.0925, 0.075).nodes), ['a:0', 'b:1', 'b:2']);
  assert.equal(graphAtShare(g, null, 0.075), g);
  assert.equal(graphAtShare({ ...g, slider: undefined }, 0.1, 0.075).nodes.length, 2);
});

test('the configured share: the graph\'s, else the study\'s, else the first step above the graph', () => {
  const g = { nodes: [{ id: 'x', entry_share: 0.0731 }], slider: { range: [0.025, 0.2], nodes: [], edges: [] } };
  assert.equal(sliderOf({ nodes: [] }), null);
  assert.equal(sliderOf({ ...g, slider: { ...g.slider, range: [0.2, 0.1] } }), null);
  assert.equal(sliderOf({ ...g, slider: { ...g.slider, share: 0.06 } }, 0.07).share, 0.06);
  assert.equal(sliderOf(g, 0.07).share, 0.07);
  assert.equal(sliderOf(g).share, 0.075);
  assert.deepStrictEqual(sliderOf(g, 0.3).range, [0.025, 0.3]); // widened to hold the share
});

test('shares read as percentages', () => {
  assert.equal(formatShare(0.075), '7.5%');
  assert.equal(formatShare(0.2), '20%');
  assert.equal(formatShare(0.0725), '7.25%');
  assert.equal(formatShare(0.025), '2.5%');
  assert.equal(formatShare(0.9), '90%');
  assert.equal(formatShare(1), '100%');
  assert.equal(formatShare(null), '–');
  assert.equal(readShare('0.07500000000000001'), 0.075);
  assert.equal(readShare(0.025 + 3 * SHARE_STEP), 0.0325);
});
