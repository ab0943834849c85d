// Application state, shared by every view. The selection (class, layer, comparison class,
// channel, and whether the graph is compared with the second model) is mirrored in the URL
// hash as `#class=<id>&layer=<name>&compare=<id>&channel=<layer>:<n>&models=1&image=<index>`
// (`image`: the dataset index of an explained image of the class, opened in the Images
// panel; another class closes it); `hoverClass`,
// `visibleClasses` and `highlight` are transient and stay out of the URL. Comparing two
// classes and comparing two models exclude each other: turning one on turns the other off.

const listeners = new Set();

export const state = {
  study: null,
  classIndex: 0,
  layer: null,
  compareIndex: null, // index of the comparison class, or null
  channel: null, // selected channel as a vertex id "<layer>:<channel>", or null
  models: false, // whether the graph is drawn with the second model's (study.json `models`)
  image: null, // the explained image opened (its dataset index, a string), or null
  hoverClass: null, // class index under the pointer anywhere, or null
  visibleClasses: null, // Set of class indices the sidebar shows, or null for all
  highlight: null, // { label, ids: Set of vertex ids } marked in the graph (a motif), or null
};

/** The state keys that the URL holds. */
export const URL_KEYS = ['classIndex', 'layer', 'compareIndex', 'channel', 'models', 'image'];

/** Register `fn(changedKeys: Set<string>, state)`; returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Merge `patch` into the state and notify listeners of the keys that actually changed. */
export function setState(patch) {
  const changed = new Set();
  for (const [key, value] of Object.entries(patch)) {
    if (state[key] !== value) {
      state[key] = value;
      changed.add(key);
    }
  }
  if (changed.has('classIndex') && !('image' in patch) && state.image != null) {
    state.image = null; // an explained image belongs to its class
    changed.add('image');
  }
  if (changed.has('classIndex') && state.compareIndex === state.classIndex) {
    state.compareIndex = null;
    changed.add('compareIndex');
  }
  if (changed.has('models') && state.models && state.compareIndex != null) {
    state.compareIndex = null;
    changed.add('compareIndex');
  } else if (changed.has('compareIndex') && state.compareIndex != null && state.models) {
    state.models = false;
    changed.add('models');
  }
  if (changed.size) for (const fn of listeners) fn(changed, state);
  return changed;
}

/** Parse a location hash into its parameters (strings, or null when absent). */
export function parseHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  return {
    classId: params.get('class'),
    layer: params.get('layer'),
    compareId: params.get('compare'),
    channel: params.get('channel'),
    models: params.get('models'),
    image: params.get('image'),
  };
}

/** Split a vertex id "<layer>:<channel>" into its parts, or null if it is not one of the study's. */
export function parseChannel(study, id) {
  const at = String(id ?? '').lastIndexOf(':');
  if (at < 0) return null;
  const layer = study.layers.find((l) => l.name === id.slice(0, at));
  const channel = Number(id.slice(at + 1));
  if (!layer || !Number.isInteger(channel) || channel < 0) return null;
  if (Number.isInteger(layer.channels) && channel >= layer.channels) return null;
  return { layer: layer.name, channel };
}

/** Resolve hash parameters against the study; falls back to the first class and last layer.
 * Comparing models needs a study with a second model, and gives way to comparing classes. */
export function resolveSelection(study, { classId, layer, compareId, channel, models, image = null }) {
  const indexOf = (id) => (id == null ? -1 : study.classes.findIndex((c) => String(c.id) === id));
  const classIndex = Math.max(0, indexOf(classId));
  const layerNames = study.layers.map((l) => l.name);
  const compare = indexOf(compareId);
  return {
    classIndex,
    layer: layerNames.includes(layer) ? layer : layerNames[layerNames.length - 1] ?? null,
    compareIndex: compare >= 0 && compare !== classIndex ? compare : null,
    channel: parseChannel(study, channel) ? channel : null,
    models: Boolean(study.models) && models === '1' && !(compare >= 0 && compare !== classIndex),
    image: /^\d+$/.test(image ?? '') ? image : null,
  };
}

/** Hash string for the current selection. */
export function toHash(st = state) {
  const params = new URLSearchParams();
  const cls = st.study?.classes[st.classIndex];
  if (cls) params.set('class', String(cls.id));
  if (st.layer != null) params.set('layer', st.layer);
  const other = st.compareIndex == null ? null : st.study?.classes[st.compareIndex];
  if (other) params.set('compare', String(other.id));
  if (st.channel) params.set('channel', st.channel);
  if (st.models && st.study?.models) params.set('models', '1');
  if (st.image != null) params.set('image', st.image);
  return '#' + params.toString();
}
