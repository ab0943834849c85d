// site/js/models.js against the shared vectors (tests/vectors/models.json), written from the
// workflow's figure of two models (summit.render.figures): what each vertex of the union of model
// A's graph and model B's (in A's ids through the channel matching) shows, and its label.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import './d3.mjs'; // format.js's global d3
import { union } from '../../site/js/graph-layout.js';
import { modelLabels, shareWithSpread, vertexLabel, vertexRenders } from '../../site/js/models.js';

const { cases } = JSON.parse(readFileSync(new URL('../vectors/models.json', import.meta.url), 'utf8'));

test('the vectors hold a matched pair, vertices of each model alone and a one-model union', () => {
  const matched = cases.find((c) => c.name === 'matched_models').vertices;
  for (const m of ['a', 'b', 'both']) assert.ok(matched.some((v) => v.membership === m), m);
  assert.ok(matched.some((v) => v.renders.length === 2));
  assert.ok(matched.some((v) => v.id.includes(':b')));
  assert.ok(cases.some((c) => c.name === 'one_model'));
});

for (const c of cases) {
  test(`${c.name}: every vertex of the union shows the figure's renders, labelled as there`, () => {
    const nodes = union(c.a, c.b).nodes;
    assert.deepStrictEqual(
      nodes.map((n) => n.id),
      c.vertices.map((v) => v.id),
    );
    nodes.forEach((n, i) => {
      const want = c.vertices[i];
      assert.equal(n.membership, want.membership, n.id);
      assert.deepStrictEqual(vertexRenders(n), want.renders, n.id);
      assert.equal(vertexLabel(n), want.label, n.id);
    });
  });
}

test('shareWithSpread: a share with its resamples, or alone', () => {
  assert.equal(shareWithSpread(0.625, { mean: 0.6, p5: 0.51, p95: 0.7 }), '62.5% (resamples 51.0%–70.0%)');
  assert.equal(shareWithSpread(0.625, null), '62.5%');
  assert.equal(shareWithSpread(null, { p5: null, p95: 0.7 }), '–');
});

test('model labels tell the two models apart by what their names do not share', () => {
  assert.deepStrictEqual(modelLabels(['Demo (Fashion-MNIST)', 'Demo (Fashion-MNIST), seed 1']), ['A', 'B (seed 1)']);
  assert.deepStrictEqual(modelLabels(['Demo, seed 0', 'Demo, seed 1']), ['A (seed 0)', 'B (seed 1)']);
  assert.deepStrictEqual(modelLabels(['ResNet-50', 'GoogLeNet']), ['A (ResNet-50)', 'B (GoogLeNet)']);
  assert.deepStrictEqual(modelLabels(['GoogLeNet (fine-tuned)', 'GoogLeNet (base)']), ['A (fine-tuned)', 'B (base)']);
  assert.deepStrictEqual(modelLabels(['Same', 'Same']), ['A', 'B']);
});
