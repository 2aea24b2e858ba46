// Toggles: each route's mode, pilot users and percentage, its recording, the kill switch, and the audit log with a
// revert per entry. Every change asks for a reason and a confirmation. A read-only token gets the same page without any
// control that writes (they are not created at all, not merely disabled).
import { api } from './api.js';
import { el, clear, when } from './dom.js';

const MODES = ['legacy', 'shadow', 'pilot', 'candidate'];
let app = null;
let root = null;
let dirty = new Set();

function describe(s) {
  if (s === 'on' || s === 'off') return s;
  try {
    const o = JSON.parse(s);
    let text = o.mode;
    if (o.users && o.users.length) text += ' (users ' + o.users.join(', ') + ')';
    if (o.percentage) text += ' (' + o.percentage + '%)';
    return text;
  } catch (e) {
    return s;
  }
}

function users(text) {
  return text.split(/[\s,]+/).map(u => u.trim()).filter(u => u);
}

function killPanel(t) {
  const on = t.killSwitch;
  const panel = el('section', { class: 'kill ' + (on ? 'on' : 'off'), id: 'kill-panel' },
      el('h2', {}, 'Kill switch: ', el('span', { id: 'kill-state' }, on ? 'ON' : 'off')),
      el('p', {}, on ? 'Every route is served by legacy and nothing is shadowed, on every instance.'
          : 'Sends every route to legacy and stops all shadowing, on every instance within a second.'));
  if (!t.stateReachable) {
    panel.append(el('p', { class: 'error' }, 'The toggle store is unreachable: this instance keeps its last known '
        + 'state and a change may not reach the other instances.'));
  }
  if (app.canWrite()) {
    panel.append(el('button', { type: 'button', id: on ? 'kill-off' : 'kill-on', class: on ? '' : 'danger big',
      onclick: () => app.confirm(on ? 'Turn the kill switch off' : 'Send everything to legacy',
          on ? 'Routes go back to their modes.' : 'Every route is served by legacy; shadowing stops.',
          reason => api('/api/kill-switch', { method: 'POST', body: { on: !on, reason } }))
          .then(r => { if (r !== null) load(); }) },
    on ? 'Turn kill switch off' : 'Kill switch: everything to legacy'));
  }
  return panel;
}

// Recording keeps the requests legacy serves (with its answers) in capture files for `strangler replay`; it never
// changes what is served, so it is one button and not part of the route's mode.
function recordCell(id, s) {
  const state = el('span', { class: 'recording ' + (s.recording ? 'on' : 'off') }, s.recording ? 'on' : 'off');
  if (!app.canWrite()) return el('td', {}, state);
  const on = !s.recording;
  return el('td', {}, state, ' ', el('button', { type: 'button', class: 'record', onclick: () =>
    app.confirm((on ? 'Start' : 'Stop') + ' recording route ' + id,
        on ? 'Requests legacy serves on ' + id + ' are kept in capture files (sampled, size-capped, redacted) '
            + 'for strangler replay. Served traffic does not change.'
            : 'No more requests of ' + id + ' are recorded; the capture files stay.',
        reason => api('/api/toggles/' + encodeURIComponent(id) + '/record', { method: 'PUT', body: { on, reason } }))
        .then(r => { if (r !== null) load(); }) }, on ? 'Record…' : 'Stop…'));
}

function routeRow(id, s) {
  if (!app.canWrite()) {
    return el('tr', { 'data-route': id }, el('th', { scope: 'row' }, id),
        el('td', {}, el('span', { class: 'mode ' + s.mode }, s.mode)),
        el('td', {}, s.pilotUsers.join(', ') || '–'), el('td', { class: 'n' }, String(s.percentage)),
        recordCell(id, s));
  }
  const mode = el('select', { class: 'mode-select', 'aria-label': 'mode of ' + id },
      ...MODES.map(m => el('option', { value: m, selected: m === s.mode }, m)));
  const who = el('input', { class: 'users-input', type: 'text', value: s.pilotUsers.join(', '),
    placeholder: 'user ids, comma separated', 'aria-label': 'pilot users of ' + id });
  const share = el('input', { class: 'percentage-input', type: 'number', min: 0, max: 100, step: 'any',
    value: String(s.percentage), 'aria-label': 'pilot percentage of ' + id });
  for (const input of [mode, who, share]) input.addEventListener('input', () => dirty.add(id));
  const apply = el('button', { type: 'button', class: 'apply', onclick: () => {
    const change = { mode: mode.value, pilotUsers: users(who.value), percentage: Number(share.value || 0) };
    const summary = id + ': ' + s.mode + ' → ' + change.mode
        + (change.mode === 'pilot' ? ' (users: ' + (change.pilotUsers.join(', ') || 'none') + ', '
            + change.percentage + '% of the others)' : '');
    app.confirm('Change route ' + id, summary,
        reason => api('/api/toggles/' + encodeURIComponent(id), { method: 'PUT', body: Object.assign(change, { reason }) }))
        .then(r => { if (r !== null) { dirty.delete(id); load(); } });
  } }, 'Apply…');
  return el('tr', { 'data-route': id }, el('th', { scope: 'row' }, id), el('td', {}, mode), el('td', {}, who),
      el('td', {}, share), el('td', {}, apply), recordCell(id, s));
}

function auditTable(entries) {
  const head = ['#', 'When', 'Who', 'Source', 'Target', 'Before', 'After', 'Reason', 'Instance'];
  if (app.canWrite()) head.push('');
  return el('table', { class: 'grid audit', id: 'audit' },
      el('thead', {}, el('tr', {}, ...head.map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...entries.map(e => el('tr', { 'data-audit-id': e.id, class: e.source },
          el('td', { class: 'n' }, String(e.id)), el('td', { title: e.at }, when(e.at)), el('td', {}, e.actor),
          el('td', {}, e.source), el('td', {}, e.target), el('td', {}, describe(e.before)),
          el('td', {}, describe(e.after)), el('td', { class: 'reason' }, e.reason), el('td', { class: 'small' }, e.instance),
          app.canWrite() ? el('td', {}, el('button', { type: 'button', class: 'revert', onclick: () =>
            app.confirm('Revert entry #' + e.id, e.target + ' goes back to ' + describe(e.before) + '.',
                reason => api('/api/toggles/revert', { method: 'POST', body: { auditId: e.id, reason } }))
                .then(r => { if (r !== null) load(); }) }, 'Revert…')) : null))),
      entries.length ? null : el('caption', {}, 'No changes yet.'));
}

async function load() {
  if (!root) return;
  let t, a;
  try {
    [t, a] = await Promise.all([api('/api/toggles'), api('/api/audit?limit=100')]);
  } catch (e) {
    clear(root).append(el('p', { class: 'error' }, 'Cannot load the toggles: ' + e.message));
    return;
  }
  if (!root) return;
  const old = new Map([...root.querySelectorAll('#toggle-routes tr[data-route]')].map(r => [r.dataset.route, r]));
  const rows = Object.entries(t.routes).map(([id, s]) => dirty.has(id) && old.has(id) ? old.get(id) : routeRow(id, s));
  const head = ['Route', 'Mode', 'Pilot users', 'Pilot %'];
  if (app.canWrite()) head.push('');
  head.push('Recording');
  clear(root).append(
      killPanel(t),
      el('h2', {}, 'Routes'),
      el('table', { class: 'grid toggles', id: 'toggle-routes' },
          el('thead', {}, el('tr', {}, ...head.map(h => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows)),
      el('h2', {}, 'Audit log'),
      el('p', { class: 'hint' }, 'Every change on every instance, newest first. Reverting writes a new entry.'),
      auditTable(a.entries));
}

export function show(view, theApp) {
  app = theApp;
  dirty = new Set();
  root = el('div', { id: 'toggles-page' }, el('p', {}, 'Loading…'));
  view.append(el('h1', {}, 'Toggles'), root);
  load();
}

export function onAudit() {
  load();
}

export function leave() {
  root = null;
}
