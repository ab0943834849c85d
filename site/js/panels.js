// Per-class panels published by workflow stages (study.json `panels`): each gets a section
// below the class details, drawn by the stage's own module js/panels/<name>.js from the
// selected class's data file (in comparison mode, each class's record in its own block,
// labelled by class). The module exports `title` and `render(root, record, {study, cls})`,
// and may export `vertexLine(record, vertexId)`: a [key, value] row for the graph's vertex
// card, or null. A module or file that fails to load shows its error in its own section only.
import { loadJSON } from './data.js';

export function createPanels({ study }) {
  const root = d3.select('#class-panels');
  const panels = (study.panels || []).map((panel) => {
    const section = root.append('section').attr('class', 'sub-panel class-panel').attr('data-panel', panel.name);
    const heading = section.append('h2').text(panel.name);
    const body = section.append('div').attr('class', 'panel-body');
    const entry = { ...panel, body, loaded: null, records: new Map() }; // class id -> record shown
    entry.module = import(`./panels/${panel.name}.js`).then((m) => {
      if (typeof m.title === 'string') heading.text(m.title);
      entry.loaded = m;
      return m;
    });
    entry.module.catch(() => {}); // reported in the section when a class is shown
    return entry;
  });
  let shown = 0; // the latest selection; older loads are dropped
  return {
    update(st, changed) {
      if (!['classIndex', 'compareIndex', 'study'].some((k) => changed.has(k))) return;
      const classes = [st.classIndex, st.compareIndex].filter((i) => i != null).map((i) => study.classes[i]);
      const ticket = ++shown;
      for (const panel of panels) {
        panel.body.selectAll('*').remove();
        panel.records.clear();
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
              m.render(box, record, { study, cls });
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
  };
}
