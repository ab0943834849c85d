// site/js/panels/explain.js's hooks on an explained-images record (the format of
// summit.io.artifacts.ExplainedImages): which image the URL opens, and the class graph's
// marks for it (panels.js `graphStyle`), set when the panel renders.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import './d3.mjs'; // format.js's formatters
import { channelImages, graphStyle, openedImage, render } from '../../site/js/panels/explain.js';

const image = (index, nodes, edges, active) => ({
  index, reason: 'misclassified', label: 0, predicted: 1, prob_true: 0.1, probabilities: [],
  image: 'data:,', activation_set: active, graph: { nodes: nodes.map((id) => ({ id })), edges },
  true_class: { uses: [], lacks: [], shared: [], image_only: [], jaccard: 0 },
  predicted_class: null, pulls: [], evidence: {},
});
const record = {
  n_images: 10, n_misclassified: 2,
  images: [image(7, ['a:1', 'b:2'], [{ source: 'a:1', target: 'b:2' }], ['a:1', 'a:3', 'b:2']),
    image(12, ['a:0'], [], ['a:0'])],
};

/** A minimal d3-like root that accepts what render appends and ignores it. */
function sink() {
  const node = { getBoundingClientRect: () => ({ width: 300 }) };
  const self = new Proxy(() => self, { get: (_, key) => (key === 'node' ? () => node : () => self) });
  return self;
}

test('the URL opens an image by its dataset index, and nothing else', () => {
  assert.equal(openedImage(record, '12').index, 12);
  assert.equal(openedImage(record, 12).index, 12);
  assert.equal(openedImage(record, '8'), null);
  assert.equal(openedImage(record, null), null);
});

test("an opened image marks the class graph: its own graph full, active half, absent dashed", () => {
  render(sink(), record, { state: { image: null } });
  assert.equal(graphStyle(record), null); // no image open: no marks
  render(sink(), record, { state: { image: '7' } });
  const style = graphStyle(record);
  assert.deepStrictEqual([style.vertex('a:1').arc, style.vertex('a:1').mark], [1, null]);
  assert.deepStrictEqual([style.vertex('a:3').arc, style.vertex('a:3').mark], [0.5, null]);
  assert.deepStrictEqual([style.vertex('b:9').arc, style.vertex('b:9').mark], [0, 'not in this image']);
  assert.equal(style.edge('a:1', 'b:2').opacity, 1);
  assert.ok(style.edge('a:3', 'b:2').opacity < 1);
  assert.equal(style.legend.length, 4);
  // its own graph travels with the marks, to be drawn where the class graph lacks it
  assert.deepStrictEqual(style.extra.nodes.map((n) => n.id), ['a:1', 'b:2']);
  assert.deepStrictEqual(style.extra.edges, [{ source: 'a:1', target: 'b:2' }]);
});

test("the channel panel's list: the misclassified images, those activating the channel first", () => {
  const correct = { ...image(30, ['a:1'], [], ['a:1']), predicted: 0 }; // right: not listed
  const rec = { ...record, images: [image(12, ['a:0'], [], ['a:0']), image(7, ['a:1'], [], ['a:1']), correct] };
  assert.deepStrictEqual(channelImages(rec, 'a:1').map((x) => [x.image.index, x.active]), [[7, true], [12, false]]);
  assert.deepStrictEqual(channelImages(rec, 'a:0').map((x) => [x.image.index, x.active]), [[12, true], [7, false]]);
  assert.deepStrictEqual(channelImages({ images: [correct] }, 'a:1'), []);
});
