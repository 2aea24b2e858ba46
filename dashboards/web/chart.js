// A latency chart drawn as hand-written SVG: four lines (legacy and candidate, p50 dashed and p99 solid) over
// the last hour. A vendored charting library would be hundreds of kilobytes to review and keep patched for what
// is one kind of chart; this is a page of code, needs no inline styles (our CSP forbids them) and works offline.
import { svg } from './dom.js';

const W = 640, H = 210, L = 52, R = 12, T = 14, B = 26;

function niceStep(max) {
  const raw = max / 4;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/**
 * points: [{ at, legacy: {p50, p99, count}, candidate: {...} }] oldest first (10 s apart).
 * Returns an <svg> element with class "chart"; gaps where a side had no calls.
 */
export function latencyChart(route, points, now = Date.now()) {
  // The last hour; while the proxy has been up for less, from its first point (at least five minutes), so that a
  // young instance's lines are not squeezed against the right edge.
  const first = points.length ? Date.parse(points[0].at) - 10 * 1000 : now;
  const from = Math.max(now - 3600 * 1000, Math.min(first, now - 5 * 60 * 1000));
  const series = [
    { side: 'legacy', q: 'p99', cls: 'legacy p99', label: 'legacy p99' },
    { side: 'candidate', q: 'p99', cls: 'candidate p99', label: 'candidate p99' },
    { side: 'legacy', q: 'p50', cls: 'legacy p50', label: 'legacy p50' },
    { side: 'candidate', q: 'p50', cls: 'candidate p50', label: 'candidate p50' },
  ];
  let max = 1;
  for (const p of points) for (const s of series) {
    const v = p[s.side] && p[s.side][s.q];
    if (v !== null && v !== undefined) max = Math.max(max, v);
  }
  const step = niceStep(max * 1.1);
  const top = Math.ceil(max * 1.1 / step) * step;
  const x = t => L + (W - L - R) * Math.max(0, (t - from)) / (now - from);
  const y = v => T + (H - T - B) * (1 - v / top);

  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `latency of ${route}, legacy vs candidate, last hour`, 'data-route': route });
  for (let v = 0; v <= top + 1e-9; v += step) {
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
        svg('text', { class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, v >= 1000 ? (v / 1000) + ' s' : v + ' ms'));
  }
  const spanMin = (now - from) / 60000;
  const tick = spanMin > 30 ? 15 : spanMin > 10 ? 5 : 1;
  for (let m = Math.floor(spanMin / tick) * tick; m >= 0; m -= tick) {
    const t = now - m * 60 * 1000;
    if (x(t) < L + 20 && m !== 0) continue;
    root.append(svg('text', { class: 'axis', x: x(t), y: H - 8, 'text-anchor': m === 0 ? 'end' : 'middle' },
        m === 0 ? 'now' : '−' + m + ' min'));
  }
  for (const s of series) {
    let run = [];
    const flush = () => {
      if (run.length === 1) root.append(svg('circle', { class: 'dot ' + s.cls, cx: run[0][0], cy: run[0][1], r: 2 }));
      else if (run.length > 1) root.append(svg('polyline', { class: 'line ' + s.cls,
        points: run.map(([a, b]) => a.toFixed(1) + ',' + b.toFixed(1)).join(' ') }));
      run = [];
    };
    for (const p of points) {
      const t = Date.parse(p.at);
      const v = p[s.side] && p[s.side][s.q];
      if (t < from || v === null || v === undefined) { flush(); continue; }
      run.push([x(t), y(v)]);
    }
    flush();
  }
  let lx = L + 8;
  for (const s of series) {
    root.append(svg('line', { class: 'line ' + s.cls, x1: lx, x2: lx + 18, y1: T + 4, y2: T + 4 }),
        svg('text', { class: 'legend', x: lx + 22, y: T + 8 }, s.label));
    lx += 118;
  }
  if (!points.some(p => (p.legacy && p.legacy.count) || (p.candidate && p.candidate.count))) {
    root.append(svg('text', { class: 'empty', x: (L + W) / 2, y: H / 2, 'text-anchor': 'middle' },
        'no calls yet: a point is added every 10 s'));
  }
  return root;
}
