// The page's panels beside the terminal: a worktree session's changes, the snapshots taken before a
// session, the refused requests, the audit log. Everything the server sends is shown as text (the
// tools name the files and hosts: never parsed as HTML).

/** Builds an element: h('li', { class: 'x', onclick: f }, 'text', child…). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Calls the API; resolves to its JSON, or throws its error (with shim's hint). */
export async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: text.trim() || `${res.status} ${res.statusText}` };
  }
  if (!res.ok) {
    const err = new Error(json.error + (json.hint ? ` (${json.hint})` : ''));
    err.status = res.status;
    throw err;
  }
  return json;
}

/** Runs an action after the user confirms it; reports on the status line; then `done`. */
export async function confirmed(question, action, say, done) {
  if (!window.confirm(question)) return;
  try {
    const r = await action();
    say((r && r.messages && r.messages.join(' ')) || 'done');
  } catch (e) {
    say(e.message, true);
  }
  done?.();
}

const enc = (s) => encodeURIComponent(s);

/** A unified diff, coloured line by line. */
function diffView(patch) {
  return h(
    'pre',
    { class: 'diff' },
    patch.split('\n').map((line) => {
      const cls = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
      return h('span', { class: cls }, `${line}\n`);
    }),
  );
}

/** A worktree session's changes: its files, then the changes, with apply / apply as branch / discard.
 *  Apply sends the tree of the diff shown here: the server applies that, or refuses if the copy changed. */
export async function showChanges(pane, session, say, refresh) {
  pane.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  let diff;
  try {
    diff = await api('GET', `/api/sessions/${enc(session.name)}/diff`);
  } catch (e) {
    pane.replaceChildren(h('p', { class: 'muted' }, e.status === 501 || e.status === 404 ? `no changes to show: ${e.message}` : e.message));
    return;
  }
  const files = diff.files ?? [];
  const act = (what, label) =>
    h('button', { type: 'button', class: what === 'discard' ? 'danger' : '', onclick: () => confirmed(`${label} the changes of ${session.name}?`, () => api('POST', `/api/sessions/${enc(session.name)}/${what}`, what === 'discard' ? {} : { tree: diff.tree }), say, refresh) }, label);
  pane.replaceChildren(
    h('p', {}, files.length ? `${files.length} changed file${files.length === 1 ? '' : 's'}${diff.branch ? ` on ${diff.branch}` : ''}${diff.applied ? ` (applied ${diff.applied.at})` : ''}` : 'no changes'),
    h('ul', { class: 'files', 'aria-label': 'changed files' }, files.map((f) => h('li', { 'data-file': f.path }, h('code', {}, `${f.status ?? ''} ${f.path}`.trim()), f.additions === null || f.additions === undefined ? ' (binary)' : ` +${f.additions} −${f.deletions}`))),
    files.length ? h('div', { class: 'actions' }, act('apply', 'Apply'), act('apply-branch', 'Apply as branch'), act('discard', 'Discard')) : '',
    diff.patch ? diffView(diff.patch) : '',
  );
}

/** The snapshots taken before a session: what changed since each, and restore. */
export async function showSnapshots(pane, session, say) {
  pane.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  let r;
  try {
    r = await api('GET', `/api/sessions/${enc(session.name)}/snapshots`);
  } catch (e) {
    pane.replaceChildren(h('p', { class: 'error' }, e.message));
    return;
  }
  if (!r.snapshots.length) return pane.replaceChildren(h('p', { class: 'muted' }, 'no snapshots were taken before this session (its tool has no "snapshot": true)'));
  pane.replaceChildren(
    ...r.snapshots.map((s) => {
      const lines = [...s.added.map((p) => `added    ${p}`), ...s.changed.map((p) => `changed  ${p}`), ...s.deleted.map((p) => `deleted  ${p}`), ...s.modeChanged.map((c) => `mode     ${c.path}`)];
      return h(
        'div',
        { class: 'card' },
        h('div', { class: 'title' }, h('code', {}, s.id), h('span', { class: 'meta' }, `${s.root} · ${s.createdAt ?? ''}`)),
        h('pre', { class: 'diff' }, lines.length ? lines.join('\n') : 'unchanged since'),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => confirmed(`Restore ${s.root} to snapshot ${s.id}? (the state now is kept as a new snapshot)`, () => api('POST', `/api/snapshots/${enc(s.id)}/restore`, {}), say, () => showSnapshots(pane, session, say)) }, 'Restore')),
      );
    }),
  );
}

/** The refused requests of every tool, with allow for one host where shim allow would take it. */
export async function loadRefusals(el, say) {
  let r;
  try {
    r = await api('GET', '/api/refusals');
  } catch (e) {
    el.replaceChildren(h('p', { class: 'error' }, e.message));
    return;
  }
  if (!r.refusals.length) return el.replaceChildren(h('p', { class: 'muted' }, 'nothing refused in the last 7 days'));
  el.replaceChildren(
    ...r.refusals.map((t) =>
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'name' }, t.tool),
        h(
          'ul',
          { class: 'log' },
          t.refusals.map((x) =>
            h(
              'li',
              {},
              h('code', {}, `${x.host}:${x.port}`),
              ` ${x.requests} request${x.requests === 1 ? '' : 's'} in ${x.runs} run${x.runs === 1 ? '' : 's'} `,
              x.status === 'suggested' && t.command
                ? h('button', { type: 'button', onclick: () => confirmed(`Let ${t.tool} reach ${x.entry}?`, () => api('POST', '/api/allow', { tool: t.tool, host: x.entry }), say, () => loadRefusals(el, say)) }, `Allow ${x.entry}`)
                : h('span', { class: 'muted' }, x.status === 'allowed-now' ? 'allowed now' : x.status === 'cannot-allow' ? `cannot be allowed: ${x.reason ?? ''}` : ''),
            ),
          ),
        ),
        ...(t.notes ?? []).map((n) => h('p', { class: 'muted' }, n)),
      ),
    ),
  );
}

/** What a record says happened. */
function auditText(r) {
  if (r.action) return `${r.action.name} ${r.action.target}${r.action.ok ? '' : ` failed: ${r.action.error ?? ''}`}`;
  if (r.session && r.session.event !== 'end') return `session ${r.session.name}: ${r.session.event}`;
  return `exit ${r.exitCode}${r.signal ? ` (${r.signal})` : ''}${r.session ? ` · session ${r.session.name}` : ''} · ${Math.round(r.durationMs / 100) / 10}s`;
}

/** The recent runs and session events, newest first, of one tool or all. */
export async function loadAudit(el, tool) {
  let r;
  try {
    r = await api('GET', `/api/audit${tool ? `?tool=${enc(tool)}` : ''}`);
  } catch (e) {
    el.replaceChildren(h('li', { class: 'error' }, e.message));
    return;
  }
  if (!r.records.length) return el.replaceChildren(h('li', { class: 'muted' }, 'nothing recorded'));
  el.replaceChildren(...r.records.map((x) => h('li', {}, h('span', { class: 'when' }, x.time.replace(/\.\d+Z$/, 'Z')), h('strong', {}, x.tool || '—'), ` [${x.via}] `, auditText(x))));
}
