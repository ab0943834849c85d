// Class list: one button per class (name, prob_hist chart, top-1 accuracy),
// a text filter, and arrow-key navigation between visible rows.
import { formatInt, formatPct } from './format.js';
import { drawHist } from './hist.js';

export function createSidebar({ study, onSelect }) {
  const input = document.getElementById('class-filter');
  const countEl = document.getElementById('class-count');
  const emptyEl = document.getElementById('class-empty');
  const list = d3.select('#class-list');

  const rows = study.classes.map((c, index) => ({ ...c, index, key: String(c.name ?? '').toLowerCase() }));

  const items = list.selectAll('li').data(rows).join('li');
  const buttons = items
    .append('button')
    .attr('type', 'button')
    .attr('class', 'class-row')
    .attr('aria-pressed', 'false')
    .attr('aria-label', (d) => `${d.name}, top-1 accuracy ${formatPct(d.accuracy)}`)
    .attr('title', (d) => `${d.name}\n${formatInt(d.n_images)} images, top-1 ${formatPct(d.accuracy)}`)
    .on('click', (event, d) => onSelect(d.index));

  buttons.append('span').attr('class', 'class-name').text((d) => d.name);
  buttons
    .append('svg')
    .attr('class', 'hist')
    .attr('aria-hidden', 'true')
    .call(drawHist, (d) => d.prob_hist, { width: 60, height: 16 });
  buttons.append('span').attr('class', 'class-acc').text((d) => formatPct(d.accuracy));

  function applyFilter() {
    const q = input.value.trim().toLowerCase();
    let shown = 0;
    items.each(function (d) {
      const visible = !q || d.key.includes(q);
      this.hidden = !visible;
      if (visible) shown += 1;
    });
    emptyEl.hidden = shown > 0;
    countEl.textContent = q ? `(${shown} of ${rows.length})` : `(${rows.length})`;
  }
  input.addEventListener('input', applyFilter);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      visibleButtons()[0]?.focus();
    }
  });
  applyFilter();

  function visibleButtons() {
    return buttons.nodes().filter((b) => !b.parentElement.hidden);
  }

  // Up/Down/Home/End move focus between the visible class buttons.
  list.on('keydown', (event) => {
    const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
    if (!keys.includes(event.key)) return;
    const visible = visibleButtons();
    const at = visible.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    let next = at;
    if (event.key === 'ArrowDown') next = Math.min(visible.length - 1, at + 1);
    else if (event.key === 'ArrowUp') next = at - 1;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = visible.length - 1;
    if (next < 0) input.focus();
    else visible[next].focus();
  });

  return {
    update(st) {
      buttons
        .classed('selected', (d) => d.index === st.classIndex)
        .attr('aria-pressed', (d) => String(d.index === st.classIndex));
      const node = buttons.nodes()[st.classIndex];
      if (node && !node.parentElement.hidden) node.scrollIntoView({ block: 'nearest' });
    },
  };
}
