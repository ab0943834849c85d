// Per-layer data, loaded lazily: A^l (class × channel counts) for class similarity, and the
// layer file with the channel histogram range and the all-images histograms.
import { loadBinary, loadJSON } from './data.js';

const countsCache = new Map();

const layerOf = (study, name) => study.layers.find((l) => l.name === name);

/** Whether the build shipped A^l for `layerName` (otherwise similarity is unavailable). */
export const hasCounts = (study, layerName) => Boolean(layerOf(study, layerName)?.counts);

/**
 * A^l of a layer as `{rows, channels, norms}`: `rows[i]` is class i's Int32Array of counts and
 * `norms[i]` its Euclidean norm. Resolves to null when the build has no A^l for the layer.
 */
export function loadCounts(study, layerName) {
  const layer = layerOf(study, layerName);
  if (!layer?.counts) return Promise.resolve(null);
  if (!countsCache.has(layerName)) {
    const promise = loadBinary(layer.counts).then((buffer) => {
      const n = study.classes.length;
      const channels = buffer.byteLength / 4 / n;
      if (!Number.isInteger(channels)) {
        throw new Error(`${layer.counts}: ${buffer.byteLength} bytes is not ${n} classes of int32 rows`);
      }
      const all = new Int32Array(buffer);
      const rows = Array.from({ length: n }, (_, i) => all.subarray(i * channels, (i + 1) * channels));
      const norms = rows.map(rowNorm);
      return { rows, channels, norms };
    });
    promise.catch(() => countsCache.delete(layerName));
    countsCache.set(layerName, promise);
  }
  return countsCache.get(layerName);
}

/** The Euclidean norm of an A^l row. */
export const rowNorm = (row) => Math.sqrt(row.reduce((sum, v) => sum + v * v, 0));

/**
 * Cosine similarity of two A^l rows, 0 where either is all zeros; `na` and `nb` are their
 * norms. The rule of summit.analyses.neighbours.cosine_similarity (the analyses' neighbours),
 * checked against tests/vectors/cosine.json by tests/js/cosine.test.mjs.
 */
export function cosine(a, b, na = rowNorm(a), nb = rowNorm(b)) {
  let dot = 0;
  for (let k = 0; k < a.length; k++) dot += a[k] * b[k];
  const denom = na * nb;
  return denom > 0 ? dot / denom : 0;
}

/** Cosine similarity of every class's A^l row to class `index` (0 where a row is all zeros). */
export function similarities({ rows, norms }, index) {
  const a = rows[index];
  const out = new Float32Array(rows.length);
  rows.forEach((b, j) => {
    out[j] = cosine(a, b, norms[index], norms[j]);
  });
  return out;
}

/** The layer file: `{range: [min[], max[]], all_images: channels × bins}`. */
export function loadLayerInfo(study, layerName) {
  const layer = layerOf(study, layerName);
  return layer ? loadJSON(layer.data) : Promise.reject(new Error(`unknown layer ${layerName}`));
}

/** One class's channel histograms for a layer: `{class, misclassified}`, channels × bins. */
export function loadClassLayerStats(study, classIndex, layerName) {
  const cls = study.classes[classIndex];
  return loadJSON(`data/stats/${encodeURIComponent(cls.id)}/${encodeURIComponent(layerName)}.json`);
}
