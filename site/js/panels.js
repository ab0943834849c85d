// Per-class panels published by workflow stages (study.json `panels`): each gets a section
// below the class details, drawn by the stage's own module js/panels/<name>.js from the
// selected class's data file. The module exports `title` and `render(root, record, {study,
// cls})`; a module or file that fails to load shows its error in its own section only.
import { loadJSON } from './data.js';

export function createPanels({ study }) {
  const root = d3.select('#class-panels');
  const panels = (study.panels || []).map((panel) => {
    const section = root.append('section').attr('class', 'sub-panel class-panel').attr('data-panel', panel.name);
    const heading = section.append('h2').text(panel.name);
    const body = section.append('div').attr('class', 'panel-body');
    const module = import(`./panels/${panel.name}.js`).then((m) => {
      if (typeof m.title === 'string') heading.text(m.title);
      return m;
    });
    module.catch(() => {}); // reported in the section when a class is shown
    return { ...panel, body, module };
  });
  let shown = 0; // the latest selection; older loads are dropped
  return {
    update(st, changed) {
      if (!changed.has('classIndex') && !changed.has('study')) return;
      const cls = study.classes[st.classIndex];
      const ticket = ++shown;
      for (const panel of panels) {
        panel.body.selectAll('*').remove();
        if (!cls) continue;
        Promise.all([panel.module, loadJSON(panel.data.replace('{id}', String(cls.id)))])
          .then(([m, record]) => {
            if (ticket === shown) m.render(panel.body, record, { study, cls });
          })
          .catch((err) => {
            if (ticket === shown) panel.body.append('p').attr('class', 'muted').text(`Could not show ${panel.name}: ${err.message}`);
          });
      }
    },
  };
}
