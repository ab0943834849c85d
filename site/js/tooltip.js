// A single shared tooltip (#tooltip). Content is built with textContent only.

const OFFSET = 14;

function el() {
  return document.getElementById('tooltip');
}

/**
 * Show the tooltip.
 * @param {{clientX:number, clientY:number}} at  a mouse event or a point in viewport coordinates
 * @param {string} title
 * @param {Array<[string, string]>} rows  key/value pairs
 * @returns {HTMLElement} the tooltip, for callers that append more content
 */
export function showTooltip(at, title, rows = []) {
  const tip = el();
  tip.replaceChildren();
  const head = document.createElement('div');
  head.className = 'tt-title';
  head.textContent = title;
  tip.append(head);
  for (const [key, value] of rows) tip.append(tooltipRow(key, value));
  tip.hidden = false;
  moveTooltip(at);
  return tip;
}

/** A key/value row of the tooltip, as text. */
export function tooltipRow(key, value) {
  const row = document.createElement('div');
  row.className = 'tt-row';
  const k = document.createElement('span');
  k.className = 'tt-key';
  k.textContent = key;
  const v = document.createElement('span');
  v.className = 'tt-val';
  v.textContent = value;
  row.append(k, v);
  return row;
}

export function moveTooltip(at) {
  const tip = el();
  if (tip.hidden) return;
  const { innerWidth: w, innerHeight: h } = window;
  const box = tip.getBoundingClientRect();
  let x = at.clientX + OFFSET;
  let y = at.clientY + OFFSET;
  if (x + box.width > w - 4) x = at.clientX - OFFSET - box.width;
  if (y + box.height > h - 4) y = at.clientY - OFFSET - box.height;
  tip.style.left = `${Math.max(4, x)}px`;
  tip.style.top = `${Math.max(4, y)}px`;
}

export function hideTooltip() {
  el().hidden = true;
}

/** Centre of an element's bounding box, for positioning tooltips on keyboard focus. */
export function elementAnchor(element) {
  const r = element.getBoundingClientRect();
  return { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
}
