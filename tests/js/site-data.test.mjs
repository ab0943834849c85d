// The page's readers on a site data folder written by the Python writer (summit.render.site via
// tests/fixtures/study.py, checked in as tests/vectors/site by tests/vectors/generate.py):
// data.js's checkStudy, sprites.js's atlas geometry and graph-layout.js on the class graphs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import './d3.mjs'; // the page's global d3, for layoutGraph
import { checkStudy } from '../../site/js/data.js';
import { layoutGraph, union } from '../../site/js/graph-layout.js';
import { examplesSprite, featvisSprite, renderFailure, vertexSprite } from '../../site/js/sprites.js';

const root = new URL('../vectors/site/', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const study = read('data/study.json');
const expected = read('expected.json');
const graphs = new Map(study.classes.map((c) => [c.id, read(c.graph)]));
const layerNames = study.layers.map((l) => l.name);

/** Row orders of a layout: per layer the vertex ids from left to right. */
function rowsOf(layout) {
  return Object.fromEntries(
    layout.layers.map((layer) => [layer, layout.nodes.filter((n) => n.layer === layer).sort((p, q) => p.x - q.x).map((n) => n.id)]),
  );
}

test('checkStudy accepts the study and names what a broken one lacks', () => {
  assert.equal(checkStudy(study), study);
  assert.throws(() => checkStudy({ ...study, layers: [] }), /"layers" is missing or empty/);
  assert.throws(() => checkStudy({ ...study, embedding: undefined }), /"embedding" is missing/);
});

test('every class lists a graph file with its vertex and edge counts, and an embedding point per layer', () => {
  for (const c of study.classes) {
    const g = graphs.get(c.id);
    assert.equal(c.graph, `data/graphs/${c.id}.json`);
    assert.equal(g.nodes.length, c.n_vertices);
    assert.equal(g.edges.length, c.n_edges);
    assert.deepStrictEqual(g.layers, layerNames);
  }
  for (const name of layerNames) assert.equal(study.embedding[name].length, study.classes.length);
});

test('sprite geometry is the atlas contract', () => {
  assert.ok(expected.sprites.some((s) => s.featvis) && expected.sprites.some((s) => s.examples && !s.featvis));
  for (const s of expected.sprites) {
    const where = `${s.layer} channel ${s.channel}`;
    assert.deepStrictEqual(featvisSprite(study, s.layer, s.channel), s.featvis, `featvis of ${where}`);
    assert.deepStrictEqual(examplesSprite(study, s.layer, s.channel), s.examples, `examples of ${where}`);
    const failed = s.featvis?.failed ?? null;
    assert.deepStrictEqual(vertexSprite(study, s.layer, s.channel), failed ? null : s.featvis ?? s.examples, `vertex of ${where}`);
    assert.equal(renderFailure(study, s.layer, s.channel), failed, `render failure of ${where}`);
  }
});

test('every graph vertex has a sprite, or a render that failed and says why', () => {
  let failures = 0;
  for (const g of graphs.values()) {
    for (const n of g.nodes) {
      const why = renderFailure(study, n.layer, n.channel);
      failures += why ? 1 : 0;
      assert.ok(why ? /never activates|does not respond/.test(why) : vertexSprite(study, n.layer, n.channel), n.id);
    }
  }
  assert.ok(failures > 0, 'the example has failed renders');
});

test('each class graph is laid out whole, rows in the Python order, last layer on top', () => {
  for (const [id, g] of graphs) {
    const layout = layoutGraph(g, layerNames, expected.size);
    assert.equal(layout.skippedNodes, 0);
    assert.equal(layout.skippedEdges, 0);
    assert.equal(layout.nodes.length, g.nodes.length);
    assert.equal(layout.edges.length, g.edges.length);
    assert.deepStrictEqual(rowsOf(layout), expected.rows[id], `class ${id}`);
    const ys = layout.rows.map((r) => r.y);
    ys.slice(1).forEach((y, i) => assert.ok(y < ys[i]));
    for (const n of layout.nodes) {
      assert.ok(Number.isFinite(n.x) && Number.isFinite(n.r) && n.r > 0);
      assert.ok(n.x - n.r >= layout.bounds.x0 && n.x + n.r <= layout.bounds.x1);
    }
  }
});

test('two classes compared as the page does: their union, rows in the Python order', () => {
  const { a, b, rows } = expected.union;
  const merged = union(graphs.get(a), graphs.get(b));
  const layout = layoutGraph(merged, layerNames, expected.size);
  assert.deepStrictEqual(rowsOf(layout), rows);
  const shared = layout.nodes.filter((n) => n.membership === 'both');
  assert.ok(shared.length > 0);
  for (const n of shared) assert.ok(n.counts.a != null && n.counts.b != null && n.count === Math.max(n.counts.a, n.counts.b));
});
