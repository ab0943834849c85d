// Channel descriptions: what the study measured about each channel (the classes it fires for,
// its selectivity, its dataset examples' classes, its response to a planted pattern, the
// non-semantic flag), written by the channel_descriptions stage and split per layer by the
// site's writer (summit.render.site). The page shows the record's sentence; it computes none
// of it.
import { loadJSON } from './data.js';

/** A channel's description as the record words it (its `text`), or null when the study has
 * no descriptions of the layer or the channel. */
export async function channelDescription(study, layerName, channel) {
  const path = study.layers.find((l) => l.name === layerName)?.descriptions;
  if (!path) return null;
  const data = await loadJSON(path);
  if (!Array.isArray(data?.channels)) throw new Error(`${path}: expected a "channels" array`);
  return data.channels[channel]?.text ?? null;
}
