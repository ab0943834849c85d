// Channel images packed in per-layer atlases (one PNG per layer and kind, so a layer's
// images cost one request): feature visualizations (a row per rendered channel: the render,
// then its diversity images) and dataset examples (the top-n receptive-field patches of
// every channel). Geometry comes from study.json; see summit.render.site for the contract.
import { loadJSON } from './data.js';

const featvisRows = new WeakMap(); // a layer's featvis entry -> Map channel -> atlas row

const layerOf = (study, name) => study.layers.find((l) => l.name === name);

/**
 * A channel's feature visualizations as `{href, size, x, y, count, atlasWidth, atlasHeight,
 * failed}`: image j (0 = the render, then the diversity images) sits at (x + j·size, y);
 * `failed` is null, or why the render failed and shows no feature (then its images are not a
 * feature and must not be shown as one). Null when the channel was not rendered.
 */
export function featvisSprite(study, layerName, channel) {
  return atlasSprite(layerOf(study, layerName)?.featvis, channel);
}

/**
 * The compared model's (study.json `models`) feature visualizations of its own channel
 * `channel` of its own layer `bLayer`, as `featvisSprite`'s; null without a render.
 */
export function modelFeatvisSprite(study, bLayer, channel) {
  return atlasSprite(study.models?.layers?.find((l) => l.b_layer === bLayer)?.featvis, channel);
}

/** A channel's sprite in a layer's featvis atlas entry `fv` (study.json format), or null. */
function atlasSprite(fv, channel) {
  if (!fv) return null;
  if (!featvisRows.has(fv)) featvisRows.set(fv, new Map(fv.channels.map((c, i) => [c, i])));
  const row = featvisRows.get(fv).get(channel);
  if (row === undefined) return null;
  return {
    href: fv.atlas,
    size: fv.size,
    x: 0,
    y: row * fv.size,
    count: fv.per_channel,
    atlasWidth: fv.per_channel * fv.size,
    atlasHeight: fv.channels.length * fv.size,
    failed: fv.failed?.[row] ?? null,
  };
}

/** A channel's dataset-example patches as `{href, size, x, y, count, atlasWidth, atlasHeight}`
 * (patch k at (x + k·size, y)), or null when the build has none for the layer. */
export function examplesSprite(study, layerName, channel) {
  const layer = layerOf(study, layerName);
  const ex = layer?.examples;
  if (!ex || channel < 0 || channel >= layer.channels) return null;
  return {
    href: ex.atlas,
    size: ex.thumbnail,
    x: (channel % ex.per_row) * ex.n * ex.thumbnail,
    y: Math.floor(channel / ex.per_row) * ex.thumbnail,
    count: ex.n,
    atlasWidth: ex.per_row * ex.n * ex.thumbnail,
    atlasHeight: Math.ceil(layer.channels / ex.per_row) * ex.thumbnail,
  };
}

/** What a vertex shows: the feature visualization, else the top dataset example, else null;
 * null too when the render failed, which the vertex marks instead (`renderFailure`). */
export function vertexSprite(study, layerName, channel) {
  const fv = featvisSprite(study, layerName, channel);
  if (fv?.failed) return null;
  return fv ?? examplesSprite(study, layerName, channel);
}

/** Why a channel's render failed (the text after "render failed: "), or null. */
export function renderFailure(study, layerName, channel) {
  return featvisSprite(study, layerName, channel)?.failed ?? null;
}

/** The examples of a layer's channels: per channel `[{image, class, label, value}]`. */
export async function loadExamples(study, layerName) {
  const ex = layerOf(study, layerName)?.examples;
  if (!ex) return null;
  const data = await loadJSON(ex.index);
  if (!Array.isArray(data?.channels)) throw new Error(`${ex.index}: expected a "channels" array`);
  return data.channels;
}

/**
 * An element showing image `j` of a sprite at `px` pixels (CSS background of the atlas, so
 * the browser decodes the atlas once). The URL is set as a CSS string, never as markup.
 */
export function spriteTile(sprite, j, px, className = 'sprite') {
  const div = document.createElement('div');
  div.className = className;
  const scale = px / sprite.size;
  div.style.width = `${px}px`;
  div.style.height = `${px}px`;
  div.style.backgroundImage = `url(${JSON.stringify(new URL(sprite.href, document.baseURI).href)})`;
  div.style.backgroundSize = `${sprite.atlasWidth * scale}px ${sprite.atlasHeight * scale}px`;
  div.style.backgroundPosition = `${-(sprite.x + j * sprite.size) * scale}px ${-sprite.y * scale}px`;
  return div;
}
