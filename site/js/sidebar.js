// Class sidebar: search with autocomplete, sorting (class id, similarity to the selected class
// at the current layer, accuracy, a panel's key such as faithfulness), one row per class (name, similarity bar, P(true class)
// histogram, top-1 accuracy) and the comparison picker with the most similar classes as
// candidates. Arrow keys move between the rows. Only the rows in view are in the DOM.
import { formatPct } from './format.js';
import { drawHistPaths } from './hist.js';
import { hasCounts, loadCounts, similarities } from './layers.js';

const CANDIDATES = 4;
const ROW_H = 28; // px, fixed by .class-list > li in style.css
const OVERSCAN = 8; // rows drawn beyond each edge of the view

const SORTS = {
  id: { label: 'Class id', compare: (a, b) => a.index - b.index },
  similarity: { label: 'Similarity to selected', compare: (a, b, sim) => sim[b.index] - sim[a.index] || a.index - b.index },
  'accuracy-asc': { label: 'Accuracy, lowest first', compare: (a, b) => a.accuracy - b.accuracy || a.index - b.index },
  'accuracy-desc': { label: 'Accuracy, highest first', compare: (a, b) => b.accuracy - a.accuracy || a.index - b.index },
};

/** The orders given by per-class panels' keys (study.json: a panel's `sort`, a class's
 * `sort_keys`), each both ways; a class without a key goes last. */
function panelSorts(study) {
  const out = {};
  for (const panel of (study.panels || []).filter((p) => p.sort)) {
    const key = (d) => d.sort_keys?.[panel.name];
    const known = (d) => Number.isFinite(key(d));
    for (const [dir, words, sign] of [['desc', 'highest', 1], ['asc', 'lowest', -1]]) {
      out[`${panel.name}-${dir}`] = {
        label: `${panel.sort}, ${words} first`,
        compare: (a, b) => known(b) - known(a) || (known(a) && known(b) ? sign * (key(b) - key(a)) : 0) || a.index - b.index,
      };
    }
  }
  return out;
}

export function createSidebar({ study, onSelect, onCompare, onHover, onVisible, onError }) {
  const input = document.getElementById('class-filter');
  const countEl = document.getElementById('class-count');
  const emptyEl = document.getElementById('class-empty');
  const sortSelect = document.getElementById('class-sort');
  const compareSelect = document.getElementById('compare-select');
  const candidatesEl = d3.select('#compare-candidates');
  const listEl = document.getElementById('class-list');
  const scroller = document.getElementById('class-scroll');
  const list = d3.select(listEl);
  const sorts = { ...SORTS, ...panelSorts(study) };

  const rows = study.classes.map((c, index) => ({ ...c, index, key: String(c.name ?? '').toLowerCase() }));
  const byName = new Map(rows.map((r) => [r.key, r.index]));
  let similarity = null; // Float32Array over classes, or null while unknown
  let current = { classIndex: 0, layer: null };
  let hovered = null;
  let compareIndex = null;

  // Autocomplete: the browser's own suggestion list from a <datalist> of the class names.
  d3.select('#class-names')
    .selectAll('option')
    .data(rows)
    .join('option')
    .property('value', (d) => d.name);

  d3.select(sortSelect)
    .selectAll('option')
    .data(Object.entries(sorts))
    .join('option')
    .property('value', (d) => d[0])
    .text((d) => d[1].label);

  const byLabel = rows.slice().sort((a, b) => d3.ascending(a.key, b.key));
  d3.select(compareSelect)
    .selectAll('option')
    .data([null, ...byLabel])
    .join('option')
    .property('value', (d) => (d ? String(d.index) : ''))
    .text((d) => (d ? d.name : '— none —'));
  compareSelect.addEventListener('change', () => onCompare(compareSelect.value === '' ? null : Number(compareSelect.value)));

  // The list is virtual: only the rows in view exist, between two padding spacers, so that
  // sorting or scrolling a 1000-class list touches a few dozen elements.
  let order = rows.slice(); // the filtered rows, sorted
  let selectedIndex = null;

  function rowSel() {
    return list.selectAll('li');
  }

  function styleRows(sel) {
    const describe = (d) => (similarity ? `similarity ${similarity[d.index].toFixed(2)}` : 'similarity unavailable');
    sel.attr('aria-posinset', (d) => order.indexOf(d) + 1).attr('aria-setsize', order.length);
    const buttons = sel.select('button');
    buttons
      .classed('selected', (d) => d.index === selectedIndex)
      .classed('compared', (d) => d.index === compareIndex)
      .classed('hovered', (d) => d.index === hovered)
      .attr('aria-pressed', (d) => String(d.index === selectedIndex))
      .attr('aria-label', (d) => `${d.name}, top-1 accuracy ${formatPct(d.accuracy)}, ${describe(d)}`);
    buttons.select('.sim-bar').attr('title', describe);
    buttons.select('.sim-fill').style('width', (d) => `${similarity ? Math.max(0, similarity[d.index]) * 100 : 0}%`);
  }

  function renderRows() {
    const view = scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(order.length, Math.ceil((scroller.scrollTop + view) / ROW_H) + OVERSCAN);
    listEl.style.paddingTop = `${first * ROW_H}px`;
    listEl.style.paddingBottom = `${(order.length - last) * ROW_H}px`;
    const sel = list
      .selectAll('li')
      .data(order.slice(first, last), (d) => d.index)
      .join((enter) => {
        const li = enter.append('li');
        const button = li
          .append('button')
          .attr('type', 'button')
          .attr('class', 'class-row')
          .attr('data-index', (d) => d.index)
          .attr('title', (d) => `${d.name}\ntop-1 accuracy ${formatPct(d.accuracy)}`)
          .on('click', (event, d) => onSelect(d.index))
          .on('mouseenter focus', (event, d) => onHover(d.index))
          .on('mouseleave blur', () => onHover(null));
        button.append('span').attr('class', 'class-name').text((d) => d.name);
        button.append('span').attr('class', 'sim-bar').attr('aria-hidden', 'true').append('span').attr('class', 'sim-fill');
        button
          .append('svg')
          .attr('class', 'hist')
          .attr('aria-hidden', 'true')
          .each(function (d) {
            drawHistPaths(d3.select(this), d.prob_hist, { width: 48, height: 16 });
          });
        button.append('span').attr('class', 'class-acc').text((d) => formatPct(d.accuracy));
        return li;
      })
      .order();
    styleRows(sel);
  }

  /** Scroll the list so that position `at` of `order` is in view; returns its button once drawn. */
  function reveal(at) {
    const top = at * ROW_H;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_H > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_H - scroller.clientHeight;
    renderRows();
    return listEl.querySelector(`button[data-index="${order[at]?.index}"]`);
  }

  function applyFilter() {
    const q = input.value.trim().toLowerCase();
    const kept = q ? rows.filter((d) => d.key.includes(q)) : rows;
    emptyEl.hidden = kept.length > 0;
    countEl.textContent = q ? `(${kept.length} of ${rows.length})` : `(${rows.length})`;
    applySort(kept);
    onVisible(q ? new Set(kept.map((d) => d.index)) : null);
  }

  function applySort(kept = order) {
    const sort = sorts[sortSelect.value] ?? sorts.id;
    const sim = similarity ?? new Float32Array(rows.length);
    order = kept.slice().sort((a, b) => sort.compare(a, b, sim));
    renderRows();
  }

  function showSimilarity() {
    styleRows(rowSel());
    const candidates = similarity
      ? rows
          .filter((r) => r.index !== selectedIndex)
          .sort((a, b) => similarity[b.index] - similarity[a.index])
          .slice(0, CANDIDATES)
      : [];
    candidatesEl
      .selectAll('button')
      .data(candidates, (d) => d.index)
      .join('button')
      .attr('type', 'button')
      .attr('class', 'chip')
      .attr('title', (d) => `Compare with ${d.name} (similarity ${similarity[d.index].toFixed(2)})`)
      .text((d) => d.name)
      .on('click', (event, d) => onCompare(d.index === compareIndex ? null : d.index));
    markCandidates();
  }

  function markCandidates() {
    candidatesEl.selectAll('button').attr('aria-pressed', (d) => String(d.index === compareIndex));
  }

  async function refreshSimilarity(st) {
    const want = { classIndex: st.classIndex, layer: st.layer };
    current = want;
    let counts = null;
    try {
      counts = await loadCounts(study, st.layer);
    } catch (err) {
      onError(`Could not load class similarities for layer ${st.layer}: ${err.message}`);
    }
    if (current !== want) return; // superseded
    similarity = counts ? similarities(counts, st.classIndex) : null;
    if (sortSelect.value === 'similarity') {
      applySort();
      scroller.scrollTop = 0;
    }
    showSimilarity();
  }

  input.addEventListener('input', (event) => {
    applyFilter();
    // A pick from the autocomplete list (or a pasted exact name) selects the class.
    const exact = byName.get(input.value.trim().toLowerCase());
    if (exact !== undefined && event.inputType !== 'insertText' && event.inputType !== 'deleteContentBackward') onSelect(exact);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      const exact = byName.get(input.value.trim().toLowerCase());
      if (exact !== undefined) onSelect(exact);
      else if (order.length) onSelect(order[0].index);
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      reveal(0)?.focus();
    }
  });
  sortSelect.addEventListener('change', () => applySort());
  scroller.addEventListener('scroll', () => requestAnimationFrame(renderRows), { passive: true });

  // Up/Down/Home/End move focus between the rows (scrolling the virtual list as needed).
  list.on('keydown', (event) => {
    const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
    const d = event.target.__data__;
    if (!keys.includes(event.key) || !d) return;
    event.preventDefault();
    const at = order.indexOf(d);
    let next = at;
    if (event.key === 'ArrowDown') next = Math.min(order.length - 1, at + 1);
    else if (event.key === 'ArrowUp') next = at - 1;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = order.length - 1;
    if (next < 0) input.focus();
    else reveal(next)?.focus();
  });

  applyFilter();

  return {
    update(st, changed) {
      if (changed.has('study')) {
        const option = sortSelect.querySelector('option[value="similarity"]');
        option.disabled = !study.layers.some((l) => hasCounts(study, l.name));
      }
      if (changed.has('classIndex') || changed.has('compareIndex') || changed.has('study')) {
        selectedIndex = st.classIndex;
        compareIndex = st.compareIndex;
        compareSelect.value = compareIndex == null ? '' : String(compareIndex);
        markCandidates();
      }
      if (changed.has('hoverClass')) hovered = st.hoverClass;
      if (changed.has('classIndex') || changed.has('layer') || changed.has('study')) {
        refreshSimilarity(st);
        const at = order.findIndex((d) => d.index === st.classIndex);
        if (at >= 0 && sortSelect.value !== 'similarity') reveal(at);
      }
      if (['classIndex', 'compareIndex', 'hoverClass'].some((k) => changed.has(k))) styleRows(rowSel());
    },
  };
}
