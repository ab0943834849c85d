// Number formatting helpers (all return plain strings; callers set them with textContent).

const pct1 = d3.format('.1%');
const int = d3.format(',d');
const sig = d3.format('.4~g');
const si = d3.format('.3~s');
const fixed2 = d3.format('.2f');
const p2 = d3.format('.2~g');

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

export const formatPct = (v) => (isNum(v) ? pct1(v) : '–');
export const formatInt = (v) => (isNum(v) ? int(v) : '–');
export const formatSig = (v) => (isNum(v) ? sig(v) : '–');
export const formatParams = (v) => (isNum(v) ? si(v).replace('G', 'B') : '–');
export const formatFixed = (v) => (isNum(v) ? fixed2(v) : '–'); // two decimals, a minus sign
export const formatP = (v) => (isNum(v) ? p2(v) : '–'); // a p-value, two significant digits

/**
 * The layer map's box labels: each layer's name without the prefix, up to a separator
 * (. _ / - or a space), that every layer's name shares, so MobileNet's features.1 …
 * features.11 read 1 … 11 in boxes a few characters wide instead of eleven "fe…"; names
 * that share none (mixed3a, mixed3b, …) are kept whole.
 */
export function shortLayerNames(names) {
  if (names.length < 2) return [...names];
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(...['.', '_', '/', '-', ' '].map((s) => prefix.lastIndexOf(s))) + 1;
  if (!cut || names.some((n) => n.length === cut)) return [...names];
  return names.map((n) => n.slice(cut));
}
