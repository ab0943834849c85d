// Per-class panels published by workflow stages (study.json `panels`): each gets a section
// below the class details, drawn by the stage's own module js/panels/<name>.js from the
// selected class's data file (in comparison mode, each class's record in its own block,
// labelled by class). The module exports `title` and `render(root, record, {study, cls,
// state, select})` (`select(patch)` changes the application state, e.g. `{image}`),
// and may export `vertexLine(record, vertexId)`: a [key, value] row for the graph's vertex
// card, or null. A module or file that fails to load shows its error in its own section only.
//
// A module may also mark the graph itself: `graphStyle(record)` returns, once per record,
// `{vertex(id), edge(source, target), legend}`. `vertex` gives null or {arc: a share in
// [0, 1] drawn as a ring around the vertex, mark: null or a word (e.g. "tentative"): a dashed
// ring and the word in its label and in the graph's tally, label: null or a phrase for its
// aria-label}; `edge` (source on the lower layer) gives null or {opacity in [0, 1], line: null
// or a [key, value] row for the edge's card}; `legend` lists {mark: "arc" | "dashed" | "edge",
// text} for the graph's legend; `extra`, if any, is a graph `{nodes, edges}` whose vertices and
// edges the class's graph lacks are added to it, pale (an opened image's own channels). The graph view (graph.js) asks for the styles of the classes
// it draws (a vertex or edge of both compared graphs takes the weaker: the smaller arc and
// opacity, marked if either is) and draws them again when a record arrives (`onChange`).
import { loadJSON } from './data.js';

export function createPanels({ study, onSelect = () => {} }) {
  const root = d3.select('#class-panels');
  const panels = (study.panels || []).map((panel) => {
    const section = root.append('section').attr('class', 'sub-panel class-panel').attr('data-panel', panel.name);
    const heading = section.append('h2').text(panel.name);
    const body = section.append('div').attr('class', 'panel-body');
    const entry = { ...panel, body, loaded: null, records: new Map(), styles: new Map() }; // class id -> record shown, its graph style
    entry.module = import(`./panels/${panel.name}.js`).then((m) => {
      if (typeof m.title === 'string') heading.text(m.title);
      entry.loaded = m;
      return m;
    });
    entry.module.catch(() => {}); // reported in the section when a class is shown
    return entry;
  });
  let shown = 0; // the latest selection; older loads are dropped
  const listeners = new Set(); // called when the records shown change
  const notify = () => listeners.forEach((fn) => fn());
  return {
    update(st, changed) {
      if (!['classIndex', 'compareIndex', 'study', 'image'].some((k) => changed.has(k))) return;
      const classes = [st.classIndex, st.compareIndex].filter((i) => i != null).map((i) => study.classes[i]);
      const ticket = ++shown;
      for (const panel of panels) {
        panel.body.selectAll('*').remove();
        panel.records.clear();
        panel.styles.clear();
        classes.forEach((cls, k) => {
          let box = panel.body;
          if (classes.length > 1) {
            box = panel.body.append('div').attr('class', 'panel-class').attr('data-class', cls.id);
            const head = box.append('h3').attr('class', 'panel-class-name');
            head.append('span').attr('class', `swatch ${k ? 'b' : 'a'}`).attr('aria-hidden', 'true');
            head.append('span').text(cls.name);
          }
          Promise.all([panel.module, loadJSON(panel.data.replace('{id}', String(cls.id)))])
            .then(([m, record]) => {
              if (ticket !== shown) return;
              panel.records.set(cls.id, record);
              try {
                m.render(box, record, { study, cls, state: st, select: onSelect });
              } finally {
                notify(); // the graph's styles, even if the section failed
              }
            })
            .catch((err) => {
              if (ticket === shown) box.append('p').attr('class', 'muted').text(`Could not show ${panel.name}: ${err.message}`);
            });
        });
      }
    },
    /** The vertex card's rows from the panels whose record for class `cls` is shown. */
    vertexLines(cls, vertexId) {
      return panels.flatMap((panel) => {
        const record = panel.records.get(cls.id);
        const line = record && panel.loaded?.vertexLine?.(record, vertexId);
        return line ? [line] : [];
      });
    },
    /** The graph styles (`graphStyle`) of the panels whose record for class `cls` is shown. */
    graphStyles(cls) {
      return panels.flatMap((panel) => {
        const record = panel.records.get(cls.id);
        if (!record || typeof panel.loaded?.graphStyle !== 'function') return [];
        if (!panel.styles.has(cls.id)) {
          let style = null;
          try {
            style = panel.loaded.graphStyle(record);
          } catch (err) {
            console.warn(`${panel.name}: graphStyle failed: ${err.message}`);
          }
          panel.styles.set(cls.id, style);
        }
        const style = panel.styles.get(cls.id);
        return style ? [style] : [];
      });
    },
    /** Call `fn()` whenever a record is shown (the graph redraws its styles). */
    onChange(fn) {
      listeners.add(fn);
    },
  };
}
