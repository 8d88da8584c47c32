// Who may use `shim serve`: the Host, Origin and token decisions of serve/access.ts, each refusal with
// the request that differs from it in one header only as its control.
import { describe, expect, it } from 'vitest';
import { buildAccessPolicy, refusal, requestToken, servedNames } from '../../src/serve/access.js';
import { resolveServeAddress } from '../../src/serve/command.js';
import { orderSessions } from '../../src/serve/api-sessions.js';
import { SERVE_DEFAULT_PORT } from '../../src/defaults.js';
import type { SessionRow } from '../../src/commands/session-ps.js';

const TOKEN = 'a'.repeat(43);
const policy = buildAccessPolicy(TOKEN, servedNames('127.0.0.1', []), 7717);
const ok = { host: '127.0.0.1:7717', method: 'GET', websocket: false, login: false, cookie: `shim_token=${TOKEN}` };

describe('serve access', () => {
  it('listens on 127.0.0.1 and the fixed default port unless told otherwise', () => {
    expect(resolveServeAddress({})).toEqual({ bind: '127.0.0.1', port: SERVE_DEFAULT_PORT });
    expect(resolveServeAddress({ host: 'localhost', port: '0' })).toEqual({ bind: '127.0.0.1', port: 0 });
    expect(resolveServeAddress({ host: '0.0.0.0' }).bind).toBe('0.0.0.0');
    expect(() => resolveServeAddress({ host: 'evil.example' })).toThrow(/not an IP address/);
    expect(() => resolveServeAddress({ port: '70000' })).toThrow(/not a port number/);
  });

  it('answers 401 without the token or with a wrong one; the cookie or a Bearer header passes', () => {
    expect(refusal(policy, ok)).toBeUndefined();
    expect(refusal(policy, { ...ok, cookie: undefined })?.status).toBe(401);
    expect(refusal(policy, { ...ok, cookie: `shim_token=${'b'.repeat(43)}` })?.status).toBe(401);
    expect(refusal(policy, { ...ok, cookie: undefined, authorization: `Bearer ${TOKEN}` })).toBeUndefined();
    expect(refusal(policy, { ...ok, cookie: undefined, authorization: `Bearer ${TOKEN}x` })?.status).toBe(401);
    // a wrong Authorization header is not saved by a right cookie
    expect(refusal(policy, { ...ok, authorization: 'Basic abc' })?.status).toBe(401);
    // the login page needs no token
    expect(refusal(policy, { ...ok, cookie: undefined, login: true })).toBeUndefined();
  });

  it('refuses a Host that is not the served address (DNS rebinding), even with the token', () => {
    for (const host of ['evil.example:7717', '127.0.0.1:7718', '127.0.0.1', '127.0.0.1.nip.io:7717', undefined]) expect(refusal(policy, { ...ok, host })?.status, String(host)).toBe(403);
    for (const host of ['localhost:7717', 'LOCALHOST:7717']) expect(refusal(policy, { ...ok, host })).toBeUndefined();
    // and the login page too
    expect(refusal(policy, { ...ok, host: 'evil.example:7717', login: true })?.status).toBe(403);
  });

  it('refuses a WebSocket or a POST from another origin even with the cookie', () => {
    const ws = { ...ok, websocket: true };
    expect(refusal(policy, { ...ws, origin: 'http://127.0.0.1:7717' })).toBeUndefined();
    expect(refusal(policy, { ...ws, origin: 'http://evil.example' })?.status).toBe(403);
    expect(refusal(policy, { ...ws, origin: 'http://127.0.0.1:9999' })?.status).toBe(403);
    expect(refusal(policy, { ...ws, origin: 'null' })?.status).toBe(403);
    const post = { ...ok, method: 'POST' };
    expect(refusal(policy, { ...post, origin: 'http://localhost:7717' })).toBeUndefined();
    expect(refusal(policy, { ...post, origin: 'http://evil.example' })?.status).toBe(403);
    // no Origin: a script's request, allowed with the Bearer token only (a cookie rides on any request)
    expect(refusal(policy, post)?.status).toBe(403);
    expect(refusal(policy, { ...post, cookie: undefined, authorization: `Bearer ${TOKEN}` })).toBeUndefined();
    // a GET changes nothing: no Origin needed
    expect(refusal(policy, { ...ok, origin: 'http://evil.example' })).toBeUndefined();
  });

  it('serves the names of the address it listens on, and every interface address on a wildcard', () => {
    expect(servedNames('127.0.0.1', ['10.0.0.5'])).toEqual(['127.0.0.1', 'localhost']);
    expect(servedNames('192.168.1.20', ['10.0.0.5'])).toEqual(['127.0.0.1', 'localhost', '192.168.1.20']);
    expect(servedNames('0.0.0.0', ['127.0.0.1', '10.0.0.5', 'fe80::1'])).toEqual(['127.0.0.1', 'localhost', '[::1]', '10.0.0.5', '[fe80::1]']);
  });

  it('reads the token from Authorization first, else from its cookie among others', () => {
    expect(requestToken({ cookie: `a=1; shim_token=${TOKEN}; b=2` })).toEqual({ token: TOKEN, bearer: false });
    expect(requestToken({ authorization: `Bearer ${TOKEN}`, cookie: 'shim_token=x' })).toEqual({ token: TOKEN, bearer: true });
    expect(requestToken({})).toEqual({ bearer: false });
  });
});

describe('the session list of the page', () => {
  it('puts the sessions that want their user first', () => {
    const row = (name: string, state: string, startedAt: string, attention = false) => ({ name, state, startedAt, attention: attention ? { kind: 'bell', since: startedAt } : null }) as unknown as SessionRow;
    const rows = [row('old', 'exited', '1'), row('run', 'running', '2'), row('bell', 'running', '1', true), row('paused', 'paused', '3')];
    expect(orderSessions(rows).map((r) => r.name)).toEqual(['bell', 'run', 'paused', 'old']);
  });
});
