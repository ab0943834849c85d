// site/js/state.js: the URL hash and the rule that comparing two classes and comparing two
// models exclude each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseChannel, parseHash, resolveSelection, setState, state, toHash } from '../../site/js/state.js';

const layers = [{ name: 'l1', channels: 8 }, { name: 'l2', channels: 8 }];
const classes = [{ id: 0 }, { id: 3 }, { id: 7 }];
const withModels = { layers, classes, models: { names: ['A', 'B'] } };
const withoutModels = { layers, classes };

test('models=1 in the hash compares models only where the study has a second model', () => {
  const hash = '#class=3&models=1';
  assert.equal(resolveSelection(withModels, parseHash(hash)).models, true);
  assert.equal(resolveSelection(withoutModels, parseHash(hash)).models, false);
  assert.equal(resolveSelection(withModels, parseHash('#class=3')).models, false);
  // a comparison class in the hash wins
  const both = resolveSelection(withModels, parseHash('#class=3&compare=7&models=1'));
  assert.deepStrictEqual([both.compareIndex, both.models], [2, false]);
});

test('the hash holds models=1 while the models are compared', () => {
  const st = { study: withModels, classIndex: 1, layer: 'l2', compareIndex: null, channel: null, models: true };
  assert.equal(toHash(st), '#class=3&layer=l2&models=1');
  assert.equal(toHash({ ...st, models: false }), '#class=3&layer=l2');
  assert.equal(toHash({ ...st, study: withoutModels }), '#class=3&layer=l2');
});

test('comparing models turns the class comparison off, and a comparison class the models', () => {
  Object.assign(state, { study: withModels, classIndex: 0, layer: 'l1', compareIndex: 2, channel: null, models: false });
  let changed = setState({ models: true });
  assert.deepStrictEqual([state.models, state.compareIndex], [true, null]);
  assert.ok(changed.has('compareIndex') && changed.has('models'));
  changed = setState({ compareIndex: 1 });
  assert.deepStrictEqual([state.models, state.compareIndex], [false, 1]);
  assert.ok(changed.has('models'));
  setState({ compareIndex: null, models: true });
  changed = setState({ classIndex: 2 }); // another class keeps comparing the models
  assert.deepStrictEqual([state.models, state.compareIndex, [...changed]], [true, null, ['classIndex']]);
});

test("a vertex of the second model alone is no channel of the study's", () => {
  assert.deepStrictEqual(parseChannel(withModels, 'l2:5'), { layer: 'l2', channel: 5 });
  assert.equal(parseChannel(withModels, 'l2:b5'), null);
});

test('an explained image opened in the URL is kept, and another class closes it', () => {
  const sel = resolveSelection(withModels, parseHash('#class=3&image=42'));
  assert.equal(sel.image, '42');
  assert.equal(resolveSelection(withModels, parseHash('#class=3&image=x1')).image, null);
  const st = { study: withModels, classIndex: 1, layer: 'l2', compareIndex: null, channel: null, models: false, image: '42' };
  assert.equal(toHash(st), '#class=3&layer=l2&image=42');
  Object.assign(state, st);
  let changed = setState({ compareIndex: 2 }); // comparing a class keeps the image open
  assert.equal(state.image, '42');
  changed = setState({ classIndex: 0 });
  assert.deepStrictEqual([state.image, changed.has('image')], [null, true]);
});
