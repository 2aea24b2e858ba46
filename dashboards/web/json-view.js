// Shows a response body with the fields that differ highlighted. JSON bodies are pretty-printed node by node
// (text nodes only) while we track each node's path in the comparator's notation ($.a['b.c'][3][id=7]); any
// other body is shown as plain text.
import { el } from './dom.js';

/** The segments of a path as the comparator renders it: names, positions, {any} for [*], {key, value}. */
export function parsePath(p) {
  if (typeof p !== 'string' || !p.startsWith('$')) return null;
  const segs = [];
  let i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      let j = i + 1;
      while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
      segs.push(p.slice(i + 1, j));
      i = j;
    } else if (p.startsWith("['", i)) {
      let j = i + 2, name = '';
      while (j < p.length && !(p[j] === "'" && p[j + 1] === ']')) {
        if (p[j] === '\\' && j + 1 < p.length) j++;
        name += p[j++];
      }
      segs.push(name);
      i = j + 2;
    } else if (p[i] === '[') {
      const j = p.indexOf(']', i);
      if (j < 0) return null;
      const inner = p.slice(i + 1, j);
      if (/^\d+$/.test(inner)) segs.push(Number(inner));
      else if (inner === '*') segs.push({ any: true });
      else {
        const eq = inner.indexOf('=');
        segs.push({ key: inner.slice(0, eq), value: inner.slice(eq + 1) });
      }
      i = j + 1;
    } else {
      return null;
    }
  }
  return segs;
}

function stepName(pending, name) {
  return pending.filter(p => p.pos < p.segs.length && (p.segs[p.pos] === name || p.segs[p.pos].any))
      .map(p => ({ segs: p.segs, pos: p.pos + 1 }));
}

function stepIndex(pending, index, value) {
  return pending.filter(p => {
    if (p.pos >= p.segs.length) return false;
    const s = p.segs[p.pos];
    if (s === index || s.any) return true;
    return s && s.key !== undefined && value && typeof value === 'object' && String(value[s.key]) === s.value;
  }).map(p => ({ segs: p.segs, pos: p.pos + 1 }));
}

function render(out, value, pending, indent) {
  const here = pending.some(p => p.pos === p.segs.length);
  const target = here ? el('mark', { class: 'diff' }) : out;
  if (here) out.append(target);
  const pad = '  '.repeat(indent + 1);
  if (Array.isArray(value)) {
    if (!value.length) { target.append('[]'); return; }
    target.append('[\n');
    value.forEach((v, i) => {
      target.append(pad);
      render(target, v, stepIndex(pending, i, v), indent + 1);
      target.append(i < value.length - 1 ? ',\n' : '\n');
    });
    target.append('  '.repeat(indent) + ']');
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (!keys.length) { target.append('{}'); return; }
    target.append('{\n');
    keys.forEach((k, i) => {
      const next = stepName(pending, k);
      const line = next.some(p => p.pos === p.segs.length) ? el('mark', { class: 'diff' }) : null;
      const into = line || target;
      if (line) target.append(line);
      into.append(pad + JSON.stringify(k) + ': ');
      // The key and its value are marked together; the value itself then needs no second mark.
      render(into, value[k], line ? next.filter(p => p.pos !== p.segs.length) : next, indent + 1);
      target.append(i < keys.length - 1 ? ',\n' : '\n');
    });
    target.append('  '.repeat(indent) + '}');
  } else {
    target.append(JSON.stringify(value));
  }
}

/**
 * A <pre> showing `body`; `paths` are the comparator's difference paths to highlight. Whole-body differences
 * (text, binary) mark everything.
 */
export function bodyView(body, paths, wholeBody) {
  const pre = el('pre', { class: 'body' });
  if (body === null || body === undefined || body === '') {
    pre.append(el('span', { class: 'none' }, '(no body)'));
    return pre;
  }
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    pre.append(wholeBody ? el('mark', { class: 'diff' }, body) : body);
    return pre;
  }
  const pending = paths.map(parsePath).filter(s => s).map(segs => ({ segs, pos: 0 }));
  render(pre, parsed, pending, 0);
  return pre;
}
