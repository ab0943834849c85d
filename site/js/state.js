// Application state: the selected class (index into study.classes) and the
// selected layer (name), mirrored in the URL hash as `#class=<id>&layer=<name>`.

const listeners = new Set();

export const state = {
  study: null,
  classIndex: 0,
  layer: null,
};

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
  if (changed.size) for (const fn of listeners) fn(changed, state);
  return changed;
}

/** Parse a location hash into `{classId, layer}` (strings, or null when absent). */
export function parseHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  return { classId: params.get('class'), layer: params.get('layer') };
}

/** Resolve hash parameters against the study; falls back to first class / last layer. */
export function resolveSelection(study, { classId, layer }) {
  let classIndex = study.classes.findIndex((c) => String(c.id) === classId);
  const layerNames = study.layers.map((l) => l.name);
  const valid = classIndex >= 0 && layerNames.includes(layer);
  if (classIndex < 0) classIndex = 0;
  if (!layerNames.includes(layer)) layer = layerNames[layerNames.length - 1] ?? null;
  return { classIndex, layer, valid };
}

/** Hash string for the current selection. */
export function toHash(st = state) {
  const params = new URLSearchParams();
  const cls = st.study?.classes[st.classIndex];
  if (cls) params.set('class', String(cls.id));
  if (st.layer != null) params.set('layer', st.layer);
  return '#' + params.toString();
}
