// site/js/format.js: the layer map's short layer names.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import './d3.mjs'; // format.js builds its number formats from the global d3
import { shortLayerNames } from '../../site/js/format.js';

test('a prefix every layer shares, up to a separator, is left off', () => {
  const mobilenet = Array.from({ length: 11 }, (_, i) => `features.${i + 1}`);
  assert.deepStrictEqual(shortLayerNames(mobilenet), mobilenet.map((_, i) => String(i + 1)));
  assert.deepStrictEqual(shortLayerNames(['layer1.0', 'layer1.1', 'layer2.0']), ['layer1.0', 'layer1.1', 'layer2.0']);
  assert.deepStrictEqual(shortLayerNames(['blocks.0.conv', 'blocks.1.conv']), ['0.conv', '1.conv']);
  assert.deepStrictEqual(shortLayerNames(['model/a_1', 'model/a_2']), ['1', '2']);
});

test('names sharing no prefix up to a separator are kept whole', () => {
  const demo = ['mixed3a', 'mixed3b', 'mixed4a', 'mixed4b'];
  assert.deepStrictEqual(shortLayerNames(demo), demo);
  assert.deepStrictEqual(shortLayerNames(['conv1', 'layer1', 'layer2']), ['conv1', 'layer1', 'layer2']);
  assert.deepStrictEqual(shortLayerNames(['features.1']), ['features.1']);
  assert.deepStrictEqual(shortLayerNames([]), []);
});
