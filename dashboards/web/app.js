// The dashboard's shell: sign-in, the three views, the live event stream, notifications and the confirm dialog.
import { api, setToken, stream, token, whenUnauthorized, ApiError } from './api.js';
import { el, clear } from './dom.js';
import * as overview from './overview.js';
import * as toggles from './toggles.js';
import * as divergences from './divergences.js';

const views = { overview, toggles, divergences };
const $ = id => document.getElementById(id);

const app = {
  me: null,             // { name, readOnly }
  overview: null,       // the latest overview event
  current: null,        // the view on screen
  stopStream: null,
  canWrite() { return this.me && !this.me.readOnly; },
  confirm,
  notify,
  refresh() { route(); },
};

function showLogin(message) {
  if (app.stopStream) app.stopStream();
  app.stopStream = null;
  app.me = null;
  setToken(null);
  $('nav').hidden = true;
  $('live').hidden = true;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('kill-banner').hidden = true;
  clear($('view'));
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

async function signIn(t) {
  setToken(t);
  try {
    app.me = await api('/api/whoami', { quiet401: true });
  } catch (e) {
    showLogin(e.status === 401 ? 'That token is not accepted by this proxy.' : e.message);
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('who').textContent = app.me.name + (app.me.readOnly ? ' (read-only)' : '');
  $('sign-out').hidden = false;
  $('live').hidden = false;
  document.body.classList.toggle('read-only', app.me.readOnly);
  app.stopStream = stream(onEvent, state => {
    $('live').textContent = state === 'live' ? 'live' : 'reconnecting…';
    $('live').className = 'live ' + state;
  });
  if (!location.hash || location.hash === '#') location.hash = '#/overview'; else route();
}

function onEvent(name, data) {
  if (name === 'overview') {
    app.overview = data;
    $('live').title = 'last update ' + data.at;
    $('live').dataset.at = data.at;
    $('kill-banner').hidden = !data.killSwitch;
    if (app.current && app.current.onOverview) app.current.onOverview(data);
  } else if (name === 'audit') {
    notifyAudit(data);
    if (app.current && app.current.onAudit) app.current.onAudit(data);
  }
}

function describeState(s) {
  if (s === 'on' || s === 'off') return s;
  try {
    const o = JSON.parse(s);
    let text = o.mode;
    if (o.users && o.users.length) text += ', users ' + o.users.join(', ');
    if (o.percentage) text += ', ' + o.percentage + '%';
    return text;
  } catch (e) {
    return s;
  }
}

function notifyAudit(e) {
  const rollback = e.source === 'auto-rollback';
  const what = e.target === 'kill-switch' ? 'kill switch ' + describeState(e.after)
      : e.target + ': ' + describeState(e.before) + ' → ' + describeState(e.after);
  notify(rollback ? 'Automatic rollback' : 'Toggle changed', what,
      'by ' + e.actor + ' (' + e.source + ', ' + e.instance + '): ' + e.reason, rollback ? 'alert' : 'info');
}

/** A notification in the corner; alerts stay until closed, the others for 15 s. */
function notify(title, line, detail, kind = 'info') {
  const box = el('div', { class: 'toast ' + kind, role: kind === 'alert' ? 'alert' : 'status' },
      el('button', { type: 'button', class: 'close', 'aria-label': 'close', onclick: () => box.remove() }, '×'),
      el('strong', {}, title), el('div', { class: 'what' }, line), detail ? el('div', { class: 'detail' }, detail) : null);
  $('toasts').prepend(box);
  if (kind !== 'alert') setTimeout(() => box.remove(), 15000);
  while ($('toasts').children.length > 6) $('toasts').lastChild.remove();
}

/**
 * Asks for a reason and a confirmation; resolves to the reason, or null when cancelled. `action(reason)` runs on
 * confirm; its error is shown in the dialog, which stays open so nothing typed is lost.
 */
function confirm(title, summary, action) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-summary').textContent = summary;
  $('confirm-reason').value = '';
  $('confirm-error').textContent = '';
  return new Promise(resolve => {
    const form = $('confirm-form');
    const done = value => {
      form.removeEventListener('submit', submit);
      $('confirm-cancel').removeEventListener('click', cancel);
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const cancel = ev => { if (ev) ev.preventDefault(); done(null); };
    const submit = async ev => {
      ev.preventDefault();
      const reason = $('confirm-reason').value.trim();
      if (!reason) {
        $('confirm-error').textContent = 'Say why: the reason goes into the audit log.';
        return;
      }
      $('confirm-ok').disabled = true;
      try {
        const result = await action(reason);
        done(result === undefined ? reason : result);
      } catch (e) {
        $('confirm-error').textContent = e instanceof ApiError ? e.message : String(e);
      } finally {
        $('confirm-ok').disabled = false;
      }
    };
    form.addEventListener('submit', submit);
    $('confirm-cancel').addEventListener('click', cancel);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    $('confirm-reason').focus();
  });
}

function route() {
  if (!app.me) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const name = views[parts[0]] ? parts[0] : 'overview';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === name);
  if (app.current && app.current.leave) app.current.leave();
  const view = clear($('view'));
  app.current = views[name];
  app.current.show(view, app, parts.slice(1));
  if (app.overview && app.current.onOverview) app.current.onOverview(app.overview);
}

window.addEventListener('hashchange', route);
whenUnauthorized(() => showLogin('Your token is no longer accepted; sign in again.'));

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', ev => {
    ev.preventDefault();
    signIn($('token').value.trim());
  });
  $('sign-out').addEventListener('click', () => showLogin(''));
  if (token()) signIn(token()); else showLogin('');
});
