// site/js/panels/stability.js's rules against the shared vectors (tests/vectors/support.json),
// written from the Python: "tentative" (summit.method.resampling.tentative), the stability
// stage's "supported" and "often in the resampled graphs" (summit.evidence.stability
// table_rows), its threshold, and the configured default minimum support.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import './d3.mjs'; // format.js's formatters
import { MIN_SUPPORT, OFTEN, graphStyle, isOften, isTentative, minSupport, supportOf, vertexLine } from '../../site/js/panels/stability.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/support.json', import.meta.url), 'utf8'));

test('the thresholds are the Python ones', () => {
  assert.equal(OFTEN, vectors.often);
  assert.equal(MIN_SUPPORT, vectors.default_min_support);
});

test('tentative: below the minimum support, or none measured', () => {
  assert.ok(vectors.tentative.length > 50);
  for (const { share, min_support: min, tentative } of vectors.tentative) {
    assert.equal(isTentative(share ?? NaN, min), tentative, `share ${share}, minimum ${min}`);
  }
});

for (const c of vectors.records) {
  test(`${c.name}: the stage's supported and often vertices`, () => {
    const r = c.record;
    assert.equal(minSupport(r), r.settings.min_support);
    const s = supportOf(r);
    assert.equal(s.inGraph.length - s.tentative.length, c.supported_vertices);
    assert.equal(s.often.length, c.frequent_outside);
    const tentative = new Set(s.tentative.map((v) => v.id));
    const often = new Set(s.often.map((v) => v.id));
    const style = graphStyle(r);
    for (const v of c.vertices) {
      const { inclusion, in_graph: inGraph } = r.vertices.find((x) => x.id === v.id);
      if (!inGraph) {
        assert.equal(often.has(v.id), v.often, v.id);
        assert.equal(isOften(inclusion), v.often, v.id);
        continue;
      }
      assert.equal(!tentative.has(v.id), v.supported, v.id);
      // the card and the graph's marks say "tentative" exactly where the panel does
      assert.equal(vertexLine(r, v.id)[1].endsWith(', tentative'), !v.supported, v.id);
      assert.equal(style.vertex(v.id).mark, v.supported ? null : 'tentative', v.id);
    }
  });
}

test('a record without a minimum support takes the configured default everywhere', () => {
  const [first] = vectors.records;
  const r = { ...first.record, settings: { resamples: 50 } };
  assert.equal(minSupport(r), vectors.default_min_support);
  const s = supportOf(r);
  assert.equal(s.min, vectors.default_min_support);
  for (const v of r.vertices.filter((x) => x.in_graph)) {
    const tentative = !(v.inclusion >= vectors.default_min_support);
    assert.equal(s.tentative.some((x) => x.id === v.id), tentative, v.id);
    assert.equal(graphStyle(r).vertex(v.id).mark, tentative ? 'tentative' : null, v.id);
    assert.equal(vertexLine(r, v.id)[1].endsWith(', tentative'), tentative, v.id);
  }
});
