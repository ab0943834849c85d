// site/js/layers.js's cosine similarity (the sidebar's "similar classes") against the shared
// vectors (tests/vectors/cosine.json), written by summit.analyses.neighbours.cosine_similarity:
// the same numbers, all-zero rows similar to nothing, negative values and rows of very
// different magnitudes included.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { cosine, rowNorm, similarities } from '../../site/js/layers.js';

const { cases } = JSON.parse(readFileSync(new URL('../vectors/cosine.json', import.meta.url), 'utf8'));
const close = (got, want, tol, what) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got}, Python ${want}`);

test('the vectors hold the edge cases', () => {
  const names = cases.map((c) => c.name);
  for (const name of ['edge_cases', 'magnitudes', 'no_channels', 'counts', 'signed_random']) assert.ok(names.includes(name), name);
  const all = cases.flatMap((c) => c.rows.flat());
  assert.ok(all.some((v) => v < 0), 'negative values');
  assert.ok(cases.some((c) => c.rows.some((r) => r.every((v) => v === 0))), 'an all-zero row');
});

for (const c of cases) {
  test(`${c.name}: cosine is Python's to 1e-9`, () => {
    c.rows.forEach((a, i) => {
      c.rows.forEach((b, j) => close(cosine(a, b), c.similarity[i][j], 1e-9, `rows ${i}, ${j}`));
    });
  });

  test(`${c.name}: similarities (the sidebar's, float32) is cosine for every row`, () => {
    const counts = { rows: c.rows, norms: c.rows.map(rowNorm) };
    c.rows.forEach((a, i) => {
      const got = similarities(counts, i);
      assert.equal(got.length, c.rows.length);
      got.forEach((v, j) => {
        assert.equal(v, Math.fround(cosine(a, c.rows[j])));
        close(v, c.similarity[i][j], 1e-6, `rows ${i}, ${j}`); // float32's precision
      });
    });
  });
}

test('an all-zero row is similar to nothing, itself included', () => {
  assert.equal(cosine([0, 0, 0], [0, 0, 0]), 0);
  assert.equal(cosine([0, 0, 0], [1, 2, 3]), 0);
  assert.equal(cosine(new Int32Array([3, 0, 4]), new Int32Array([6, 0, 8])), 1);
});
