// site/js/panels/stability.js's hooks on the stability records the Python writer ships
// (tests/vectors/site/data/panels/stability): the vertex card's row and the graph view's
// marks (panels.js `graphStyle`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import './d3.mjs'; // format.js's formatters
import { OFTEN, graphStyle, vertexLine } from '../../site/js/panels/stability.js';

const root = new URL('../vectors/site/', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const study = read('data/study.json');
const records = study.classes.map((c) => [c, read(`data/panels/stability/${c.id}.json`), read(c.graph)]);

test('the records hold the graph\'s vertices, tentative ones and vertices outside it', () => {
  for (const [, r, g] of records) {
    const inGraph = new Set(r.vertices.filter((v) => v.in_graph).map((v) => v.id));
    assert.deepStrictEqual([...inGraph].sort(), g.nodes.map((n) => n.id).sort());
    assert.ok(r.vertices.some((v) => v.in_graph && v.inclusion < r.settings.min_support));
    assert.ok(r.vertices.some((v) => !v.in_graph));
  }
  assert.ok(records.some(([, r]) => r.vertices.some((v) => !v.in_graph && v.inclusion >= OFTEN)));
});

test('a vertex card shows its inclusion as a share and a count of resamples', () => {
  const [, r] = records[0];
  const n = r.settings.resamples;
  for (const v of r.vertices) {
    const [key, value] = vertexLine(r, v.id);
    assert.equal(key, 'inclusion');
    const k = Math.round(v.inclusion * n);
    assert.ok(value.startsWith(`${v.inclusion.toFixed(2)} (${k} of ${n} resamples)`), value);
    assert.equal(value.endsWith(', tentative'), v.inclusion < r.settings.min_support);
  }
  assert.deepStrictEqual(vertexLine(r, 'nowhere:0'), ['inclusion', `0.00 (0 of ${n} resamples), tentative`]);
});

test('graphStyle: a ring for inclusion, tentative below the minimum support, edges by inclusion', () => {
  for (const [, r, g] of records) {
    const style = graphStyle(r);
    const byId = new Map(r.vertices.map((v) => [v.id, v]));
    for (const n of [...g.nodes, ...g.slider.nodes]) {
      const inclusion = byId.get(n.id)?.inclusion ?? 0;
      const s = style.vertex(n.id);
      assert.equal(s.arc, inclusion);
      assert.equal(s.mark, inclusion < r.settings.min_support ? 'tentative' : null);
    }
    for (const e of r.edges) {
      const s = style.edge(e.source, e.target);
      assert.ok(Math.abs(s.opacity - (0.12 + 0.88 * e.inclusion)) < 1e-12);
      assert.equal(s.line[0], 'inclusion');
      assert.equal(style.edge(e.target, e.source).opacity, s.opacity); // either direction
    }
    assert.equal(style.edge('nowhere:0', 'nowhere:1').opacity, 0.12);
    assert.deepStrictEqual(style.legend.map((l) => l.mark), ['arc', 'dashed', 'edge']);
    assert.match(style.legend[1].text, /^tentative: below 90%$/);
  }
});
