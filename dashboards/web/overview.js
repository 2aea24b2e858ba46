// Overview: one row per route, refreshed by every overview event (once a second), and a latency chart per route.
import { api } from './api.js';
import { el, clear, ms, pct } from './dom.js';
import { latencyChart } from './chart.js';

let body = null;
let charts = null;
let timer = null;

function reasons(map) {
  const entries = Object.entries(map || {});
  if (!entries.length) return '0';
  return entries.map(([k, v]) => k.replace(/_/g, ' ') + ' ' + v).join(', ');
}

function rateClass(r) {
  if (r === null || r === undefined) return '';
  return r >= 0.99 ? 'good' : r >= 0.9 ? 'warn' : 'bad';
}

function row(r) {
  return el('tr', { 'data-route': r.route },
      el('th', { scope: 'row' }, r.route),
      el('td', {}, el('span', { class: 'mode ' + r.mode }, r.mode),
          r.mode === 'pilot' && r.pilotUsers.length ? el('div', { class: 'small' }, 'users: ' + r.pilotUsers.join(', ')) : null,
          r.mode === 'pilot' && r.percentage ? el('div', { class: 'small' }, r.percentage + '% of users') : null,
          r.recording ? el('div', {}, el('span', { class: 'recording on', title: 'requests are kept in capture '
              + 'files for strangler replay' }, 'recording')) : null),
      el('td', { class: 'n rps' }, r.requestsPerSecond.toFixed(1)),
      el('td', { class: 'n match ' + rateClass(r.recentMatchRate ?? r.matchRate) },
          r.hasCandidate ? pct(r.recentMatchRate ?? r.matchRate) : '–',
          r.hasCandidate && r.matchRate !== null ? el('div', { class: 'small' }, 'all: ' + pct(r.matchRate)) : null),
      el('td', { class: 'n diverged' }, r.hasCandidate ? String(r.diverged) : '–'),
      el('td', { class: 'small failed' }, r.hasCandidate ? reasons(r.failed) : '–'),
      el('td', { class: 'small skipped' }, r.hasCandidate ? reasons(r.skipped) : '–'),
      el('td', { class: 'n' }, ms(r.legacy.p50) + ' / ' + ms(r.legacy.p99)),
      el('td', { class: 'n' }, r.hasCandidate ? ms(r.candidate.p50) + ' / ' + ms(r.candidate.p99) : '–'),
      el('td', {}, el('span', { class: 'circuit ' + r.circuit.replace(/_/g, '-') }, r.circuit.replace(/_/g, ' '))));
}

async function loadCharts() {
  if (!charts) return;
  try {
    const h = await api('/api/latency');
    if (!charts) return;
    clear(charts);
    for (const [route, points] of Object.entries(h.routes)) {
      charts.append(el('figure', { class: 'chart-box' }, el('figcaption', {}, route), latencyChart(route, points)));
    }
  } catch (e) {
    clear(charts).append(el('p', { class: 'error' }, 'Latency history unavailable: ' + e.message));
  }
}

export function show(view) {
  body = el('tbody', { id: 'routes-body' }, el('tr', {}, el('td', { colspan: 10 }, 'Waiting for the first sample…')));
  charts = el('div', { class: 'charts', id: 'charts' });
  view.append(
      el('h1', {}, 'Routes'),
      el('p', { class: 'hint' }, 'Requests/s over the last 10 s; match rate over the last 10 s (and since start); ',
          'latency p50 / p99 over the last minute, served and shadow calls together. Live: updated every second.'),
      el('table', { class: 'grid routes' },
          el('thead', {}, el('tr', {}, ...['Route', 'Mode', 'Req/s', 'Match rate', 'Diverged', 'Failed', 'Skipped',
            'Legacy p50 / p99', 'Candidate p50 / p99', 'Circuit'].map(h => el('th', { scope: 'col' }, h)))),
          body),
      el('h2', {}, 'Latency, legacy vs candidate, last hour'),
      charts);
  loadCharts();
  timer = setInterval(loadCharts, 10000);
}

export function onOverview(o) {
  if (!body) return;
  clear(body);
  for (const r of o.routes) body.append(row(r));
  if (!o.routes.length) body.append(el('tr', {}, el('td', { colspan: 10 }, 'No routes are configured.')));
}

export function leave() {
  clearInterval(timer);
  body = null;
  charts = null;
}
