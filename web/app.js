// The control room: the sessions (those that want you first), a terminal per session (xterm.js, its
// DOM renderer: the text is in the page), a shell beside it, and the panels of panels.js.
import { Terminal } from '/vendor/xterm.mjs';
import { FitAddon } from '/vendor/addon-fit.mjs';
import { api, confirmed, h, loadAudit, loadRefusals, showChanges, showSnapshots } from '/panels.js';

const $ = (id) => document.getElementById(id);
const state = { sessions: [], selected: null, tab: 'terminal', term: null, ws: null, wanted: new Set() };
const enc = (s) => encodeURIComponent(s);

/** The status line: what the last action said. */
function say(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

const post = (s, what) => api('POST', `/api/sessions/${enc(s.name)}/${what}`, {});

/** Where a running session serves: a link per forwarded port (shim made the URL; checked all the same). */
function portLinks(ports) {
  const ok = ports.filter((p) => /^http:\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/.test(p.url));
  if (!ok.length) return '';
  return h('div', { class: 'meta ports' }, 'serves ', ...ok.flatMap((p, i) => [i ? ', ' : '', h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer' }, `port ${p.container} on ${p.url.slice(7)}`)]));
}

function sessionCard(s) {
  const live = s.state === 'running' || s.state === 'paused';
  const button = (label, onclick, cls = '') => h('button', { type: 'button', class: cls, onclick }, label);
  return h(
    'li',
    { class: `card${s.attention ? ' attention' : ''}${state.selected === s.name ? ' selected' : ''}`, 'data-session': s.name, 'data-state': s.state, 'data-attention': s.attention ? 'yes' : 'no' },
    h(
      'div',
      { class: 'title' },
      h('span', { class: 'name' }, s.name),
      h('span', { class: 'meta' }, s.tool),
      h('span', { class: `badge ${s.state}` }, s.exit ? `exited ${s.exit.status}` : s.state),
      s.attention ? h('span', { class: 'badge wants', role: 'alert' }, s.attention.text ? `needs you: ${s.attention.text}` : 'needs you (bell)') : '',
    ),
    h('div', { class: 'meta' }, `${s.project}${s.branch ? ` · branch ${s.branch}` : ''} · started `, h('span', { class: 'ago' }, ago(s.startedAt)), ` · ${s.clients} attached`),
    portLinks(s.ports ?? []),
    h(
      'div',
      { class: 'actions' },
      button('Open', () => select(s.name)),
      s.state === 'running' ? button('Pause', () => act(s, 'pause')) : '',
      s.state === 'paused' ? button('Resume', () => act(s, 'resume')) : '',
      live ? button('Stop', () => confirmed(`Stop session ${s.name}?`, () => post(s, 'stop'), say, refresh), 'danger') : '',
      button('Restart', () => confirmed(`Restart session ${s.name}${live ? ' (it is stopped first)' : ''}?`, () => post(s, 'restart'), say, refresh)),
    ),
  );
}

async function act(s, what) {
  try {
    await post(s, what);
    say(`${what}: ${s.name}`);
  } catch (e) {
    say(e.message, true);
  }
  refresh();
}

/** What each card was drawn from: a card whose session did not change is kept as it is. */
const drawnFrom = new WeakMap();

/** Draws the session list. The list is polled every 2 s: a card is drawn again only when its session
 *  changed (else only its "started … ago" is updated), so a button is never swapped for a new one under
 *  the user's pointer in the middle of a click. */
function render() {
  const list = $('sessions');
  if (!state.sessions.length) {
    list.replaceChildren(h('li', { class: 'muted' }, 'no sessions: start one below, or with shim run --name NAME -d TOOL'));
    return;
  }
  const drawn = new Map([...list.children].filter((e) => e.dataset.session).map((e) => [e.dataset.session, e]));
  const cards = state.sessions.map((s) => {
    const from = JSON.stringify([s, state.selected === s.name]);
    const card = drawn.get(s.name);
    if (card && drawnFrom.get(card) === from) {
      card.querySelector('.ago').textContent = ago(s.startedAt);
      return card;
    }
    const fresh = sessionCard(s);
    drawnFrom.set(fresh, from);
    return fresh;
  });
  if (cards.length !== list.children.length || cards.some((c, i) => list.children[i] !== c)) list.replaceChildren(...cards);
}

/** A browser notification for each session that newly wants its user (when the user allowed them). */
function notifyNew() {
  const now = new Set(state.sessions.filter((s) => s.attention).map((s) => s.name));
  for (const name of now) {
    if (state.wanted.has(name) || !('Notification' in window) || Notification.permission !== 'granted') continue;
    const s = state.sessions.find((x) => x.name === name);
    new Notification(`shim: ${name} needs you`, { body: s.attention.text ?? 'its terminal rang the bell', tag: `shim-${name}` });
  }
  state.wanted = now;
}

async function refresh() {
  try {
    state.sessions = (await api('GET', '/api/sessions')).sessions;
    render();
    notifyNew();
  } catch (e) {
    say(e.status === 401 ? 'signed out: open the link shim serve printed' : e.message, true);
  }
}

function closeTerminal() {
  state.ws?.close();
  state.term?.dispose();
  state.ws = state.term = null;
}

/** Opens the session's terminal (kind "session") or a shell beside it ("shell") in the pane. */
function openTerminal(name, kind) {
  closeTerminal();
  const box = h('div', { class: 'term', 'data-terminal': kind });
  $('pane').replaceChildren(box);
  const term = new Terminal({ fontSize: 13, scrollback: 5000, cursorBlink: true });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/${kind}/${enc(name)}?cols=${term.cols}&rows=${term.rows}`);
  ws.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  ws.onmessage = (m) => {
    if (typeof m.data !== 'string') return term.write(new Uint8Array(m.data));
    const msg = JSON.parse(m.data);
    if (msg.type === 'exit') term.write(`\r\n[${kind === 'shell' ? 'shell' : 'session'} ended${msg.status === null ? '' : `: exit ${msg.status}`}]\r\n`);
  };
  ws.onclose = () => refresh();
  term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(d)));
  term.onResize(({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'resize', cols, rows })));
  state.term = term;
  state.ws = ws;
  state.fit = fit;
  term.focus();
}

function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  const s = state.sessions.find((x) => x.name === state.selected);
  if (!s) return;
  if (tab === 'terminal' || tab === 'shell') return openTerminal(s.name, tab === 'terminal' ? 'session' : 'shell');
  closeTerminal();
  if (tab === 'changes') showChanges($('pane'), s, say, refresh);
  else showSnapshots($('pane'), s, say);
}

function select(name) {
  state.selected = name;
  $('detail').hidden = false;
  $('detail-title').textContent = name;
  render();
  showTab('terminal');
}

async function loadTools() {
  try {
    const { tools } = await api('GET', '/api/tools');
    const usable = tools.filter((t) => !t.error);
    $('start-form').tool.replaceChildren(...usable.map((t) => h('option', { value: t.name }, t.name)));
    $('audit-tool').replaceChildren(h('option', { value: '' }, 'all'), ...usable.map((t) => h('option', { value: t.name }, t.name)));
  } catch (e) {
    say(e.message, true);
  }
}

$('start-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const args = f.args.value.trim() ? f.args.value.trim().split(/\s+/) : [];
  say(`starting ${f.name.value}…`);
  try {
    await api('POST', '/api/sessions', { tool: f.tool.value, project: f.project.value, name: f.name.value, args });
    say(`started ${f.name.value}`);
    await refresh();
    select(f.name.value);
  } catch (e) {
    say(e.message, true);
  }
});
for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
$('audit-tool').addEventListener('change', () => loadAudit($('audit'), $('audit-tool').value));
$('notify').addEventListener('click', async () => {
  if (!('Notification' in window)) return say('this browser cannot show notifications here (they need https or localhost)', true);
  say(`notifications: ${await Notification.requestPermission()}`);
});
window.addEventListener('resize', () => state.fit?.fit());

await Promise.all([refresh(), loadTools()]);
loadRefusals($('refusals'), say);
loadAudit($('audit'), '');
setInterval(refresh, 2000);
setInterval(() => loadAudit($('audit'), $('audit-tool').value), 10000);
