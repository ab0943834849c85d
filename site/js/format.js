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
