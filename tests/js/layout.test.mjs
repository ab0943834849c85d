// site/js/graph-layout.js against the shared vectors (tests/vectors/layout.json), written by
// summit.render.layout: the union of two graphs and the row order must be the Python ones exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import './d3.mjs'; // layoutGraph's scales; union and orderRows need no global
import { layoutGraph, orderRows, pairwiseSum, union } from '../../site/js/graph-layout.js';

const { cases } = JSON.parse(readFileSync(new URL('../vectors/layout.json', import.meta.url), 'utf8'));
const ids = (rows) => Object.fromEntries([...rows].map(([layer, row]) => [layer, row.map((n) => n.id)]));

test('the vectors hold cases', () => {
  assert.ok(cases.length >= 8);
});

for (const c of cases) {
  test(`${c.name}: union`, () => {
    assert.deepStrictEqual(union(c.a, c.b), c.union);
  });

  test(`${c.name}: row order`, () => {
    assert.deepStrictEqual(ids(orderRows(c.a)), c.rows.a);
    assert.deepStrictEqual(ids(orderRows(c.b)), c.rows.b);
    assert.deepStrictEqual(ids(orderRows(c.union)), c.rows.union);
    c.union_rows_by_sweeps.forEach((want, sweeps) => assert.deepStrictEqual(ids(orderRows(c.union, sweeps)), want));
  });

  test(`${c.name}: layoutGraph places rows in that order, last layer on top`, () => {
    if (!c.union.layers.length) return;
    const layout = layoutGraph(c.union, c.union.layers, { width: 1000, height: 700 });
    const rows = Object.fromEntries(
      layout.layers.map((layer) => {
        const row = layout.nodes.filter((n) => n.layer === layer).sort((p, q) => p.x - q.x);
        return [layer, row.map((n) => n.id)];
      }),
    );
    assert.deepStrictEqual(rows, c.rows.union);
    const ys = layout.rows.map((r) => r.y);
    ys.slice(1).forEach((y, i) => assert.ok(y < ys[i], 'each layer above the previous one'));
    for (const n of layout.nodes) assert.equal(n.y, layout.rows[n.layerIndex].y);
  });
}

test('pairwiseSum: left to right below 8 values, then 8 interleaved partial sums', () => {
  const values = Array.from({ length: 17 }, (_, i) => ((i * 7) % 17) / 17 + 0.1);
  const plain = (v) => v.reduce((s, x) => s + x, 0);
  assert.equal(pairwiseSum(values.slice(0, 7)), plain(values.slice(0, 7)));
  const r = values.slice(0, 8).map((x, j) => x + values[8 + j]);
  const want = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + values[16];
  assert.equal(pairwiseSum(values), want);
  assert.notEqual(want, plain(values)); // the example tells the two orders apart
});
