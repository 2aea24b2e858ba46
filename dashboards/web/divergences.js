// Divergences: the grouped table (route, endpoint, path, kind, count, rate, last seen) with filters, suspected
// noise listed apart, and a sample view with both answers side by side and the differing fields highlighted.
import { api } from './api.js';
import { el, clear, pct, when } from './dom.js';
import { bodyView } from './json-view.js';

let root = null;
const filters = { since: '24h', route: '', kind: '', text: '' };

function groupTable(groups, id) {
  return el('table', { class: 'grid divergences', id },
      el('thead', {}, el('tr', {}, ...['Route', 'Endpoint', 'Path', 'Kind', 'Count', 'Rate', 'Last seen', 'Sample']
          .map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...groups.map(g => el('tr', { 'data-route': g.route, 'data-path': g.path },
          el('td', {}, g.route), el('td', { class: 'mono' }, g.endpoint), el('td', { class: 'mono' }, g.path),
          el('td', {}, el('span', { class: 'kind' }, g.kind.replace(/_/g, ' '))), el('td', { class: 'n' }, String(g.count)),
          el('td', { class: 'n' }, pct(g.rate)), el('td', { title: g.lastSeen }, when(g.lastSeen)),
          el('td', {}, g.sampleId !== null ? el('a', { href: '#/divergences/' + g.sampleId, class: 'sample-link' },
              'sample #' + g.sampleId) : '–')))),
      groups.length ? null : el('caption', {}, 'Nothing here for these filters.'));
}

function filterBar(groups, redraw) {
  const routes = [...new Set(groups.map(g => g.route))].sort();
  const kinds = [...new Set(groups.map(g => g.kind))].sort();
  const select = (name, label, values, all) => {
    const s = el('select', { id: 'filter-' + name, 'aria-label': label },
        el('option', { value: '' }, all), ...values.map(v => el('option', { value: v, selected: filters[name] === v }, v)));
    s.addEventListener('change', () => { filters[name] = s.value; redraw(name === 'since'); });
    return s;
  };
  const since = el('select', { id: 'filter-since', 'aria-label': 'window' },
      ...[['1h', 'last hour'], ['24h', 'last 24 h'], ['7d', 'last 7 days']]
          .map(([v, l]) => el('option', { value: v, selected: filters.since === v }, l)));
  since.addEventListener('change', () => { filters.since = since.value; redraw(true); });
  const text = el('input', { id: 'filter-text', type: 'search', placeholder: 'endpoint or path contains…',
    value: filters.text, 'aria-label': 'text filter' });
  text.addEventListener('input', () => { filters.text = text.value; redraw(false); });
  return el('div', { class: 'filters' }, since, select('route', 'route', routes, 'every route'),
      select('kind', 'kind', kinds, 'every kind'), text);
}

async function list(view) {
  root = el('div', { id: 'divergences-page' }, el('p', {}, 'Loading…'));
  view.append(el('h1', {}, 'Divergences'), root);
  let data;
  const fetchAll = async () => {
    data = await api('/api/divergences?limit=1000&since=' + encodeURIComponent(filters.since));
  };
  const draw = () => {
    if (!root) return;
    const t = filters.text.toLowerCase();
    const shown = data.groups.filter(g => (!filters.route || g.route === filters.route)
        && (!filters.kind || g.kind === filters.kind)
        && (!t || g.endpoint.toLowerCase().includes(t) || g.path.toLowerCase().includes(t)));
    const real = shown.filter(g => !g.noise);
    const noise = shown.filter(g => g.noise);
    clear(root).append(
        filterBar(data.groups, async refetch => {
          if (refetch) {
            try { await fetchAll(); } catch (e) { clear(root).append(el('p', { class: 'error' }, e.message)); return; }
          }
          draw();
        }),
        el('p', { class: 'hint' }, data.comparisons + ' comparisons in the window; ' + real.length
            + ' differences, ' + noise.length + ' suspected noise.'),
        groupTable(real, 'differences'),
        el('h2', {}, 'Suspected noise'),
        el('p', { class: 'hint' }, "Legacy's value never repeats and differs nearly every time (timestamps, ids, "
            + 'nonces): probably not a real difference. Ignore them with compare rules (docs/comparison-rules.md).'),
        groupTable(noise, 'noise'));
  };
  try {
    await fetchAll();
  } catch (e) {
    clear(root).append(el('p', { class: 'error' }, e.status === 400 ? e.message : 'Cannot load divergences: ' + e.message));
    return;
  }
  draw();
}

function headersTable(headers, marked) {
  const names = Object.keys(headers || {}).sort();
  return el('table', { class: 'headers' }, el('tbody', {}, ...names.map(n => el('tr',
      { class: marked.has(n.toLowerCase()) ? 'diff' : '' },
      el('th', { scope: 'row' }, n), el('td', {}, headers[n].join(', '))))));
}

function side(title, s, differences, which) {
  const paths = differences.map(d => d.path);
  const marked = new Set(paths.filter(p => p.startsWith('header:')).map(p => p.slice(7).toLowerCase()));
  const whole = differences.some(d => d.kind === 'text' || d.kind === 'binary');
  return el('section', { class: 'side ' + which },
      el('h2', {}, title),
      el('p', { class: 'status' + (paths.includes('status') ? ' diff' : '') },
          s.error ? 'error: ' + s.error : 'HTTP ' + s.status, el('span', { class: 'small' }, '  ' + s.millis.toFixed(1) + ' ms')),
      headersTable(s.headers, marked),
      bodyView(s.body, paths.filter(p => p.startsWith('$')), whole));
}

async function sample(view, id) {
  root = el('div', { id: 'sample-page' }, el('p', {}, 'Loading…'));
  view.append(el('p', {}, el('a', { href: '#/divergences' }, '← all divergences')), root);
  let s;
  try {
    s = await api('/api/divergences/' + encodeURIComponent(id));
  } catch (e) {
    clear(root).append(el('p', { class: 'error' }, e.status === 404
        ? 'Sample #' + id + ' is gone: a newer one replaced it (the latest sample of a difference is kept for at least '
          + 'a minute), or retention removed it. The list links to the current one.'
        : e.message));
    return;
  }
  if (!root) return;
  clear(root).append(
      el('h1', {}, 'Sample #' + s.id),
      el('p', { class: 'request mono' }, s.method + ' ' + s.target),
      el('p', { class: 'hint' }, 'at ' + s.at + ' on ' + s.instance + ', request id ' + s.requestId),
      el('table', { class: 'grid differences-of-sample' },
          el('thead', {}, el('tr', {}, ...['Kind', 'Path', 'Legacy', 'Candidate'].map(h => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...s.differences.map(d => el('tr', {}, el('td', {}, d.kind), el('td', { class: 'mono' }, d.path),
              el('td', { class: 'mono' }, d.legacy ?? '–'), el('td', { class: 'mono' }, d.candidate ?? '–'))))),
      el('div', { class: 'sides' },
          side('Legacy', s.legacy, s.differences, 'legacy'),
          side('Candidate', s.candidate, s.differences, 'candidate')));
}

export function show(view, app, args) {
  if (args.length && args[0]) sample(view, args[0]); else list(view);
}

export function leave() {
  root = null;
}
