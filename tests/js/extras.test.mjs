// site/js/graph-controls.js's extras: a panel's extra graph (an opened image's own graph) is
// added to the drawn class graph where the class graph lacks its vertices or edges, pale
// (`extra`, no class count), and only edges between drawn vertices; its key changes exactly
// when what would be added does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import './d3.mjs';
import { extrasKey, withExtras } from '../../site/js/graph-controls.js';

const node = (id, count) => ({ id, layer: id.split(':')[0], channel: Number(id.split(':')[1]), count, pagerank: 0.1 });
const classGraph = {
  layers: ['a', 'b'],
  nodes: [node('a:1', 9), node('b:2', 7)],
  edges: [{ source: 'a:1', target: 'b:2', weight: 5 }],
};

test('no extras: the class graph itself', () => {
  assert.equal(withExtras(classGraph, []), classGraph);
});

test("an image's own vertices and edges are added where the class graph lacks them", () => {
  const image = {
    nodes: [node('a:1', 1), node('a:4', 1), node('b:2', 1)],
    edges: [
      { source: 'a:1', target: 'b:2', weight: 1 }, // the class graph has it: kept as it is
      { source: 'a:4', target: 'b:2', weight: 1 }, // new, between drawn vertices
      { source: 'a:4', target: 'b:8', weight: 1 }, // b:8 is drawn by neither: left out
    ],
  };
  const g = withExtras(classGraph, [{ graph: image, membership: null }]);
  assert.deepStrictEqual(g.nodes.map((n) => [n.id, n.count, Boolean(n.extra)]), [['a:1', 9, false], ['b:2', 7, false], ['a:4', 0, true]]);
  assert.deepStrictEqual(g.edges.map((e) => [e.source, e.target, e.weight]), [['a:1', 'b:2', 5], ['a:4', 'b:2', 0]]);
  assert.equal(classGraph.nodes.length, 2); // the class graph is not changed
  // an edge stated the other way round is the same edge
  const reversed = withExtras(classGraph, [{ graph: { nodes: [], edges: [{ source: 'b:2', target: 'a:1' }] }, membership: 'a' }]);
  assert.equal(reversed.edges.length, 1);
  // comparing classes, an extra vertex takes its class's membership
  const compared = withExtras(classGraph, [{ graph: { nodes: [node('a:6', 1)], edges: [] }, membership: 'b' }]);
  assert.equal(compared.nodes.at(-1).membership, 'b');
});

test("the key changes with the extras' vertices and edges, not with their counts", () => {
  const one = [{ graph: { nodes: [node('a:4', 1)], edges: [] }, membership: null }];
  const two = [{ graph: { nodes: [node('a:5', 1)], edges: [] }, membership: null }];
  assert.equal(extrasKey(one), extrasKey([{ graph: { nodes: [node('a:4', 3)], edges: [] }, membership: null }]));
  assert.notEqual(extrasKey(one), extrasKey(two));
  assert.notEqual(extrasKey(one), extrasKey([]));
});
