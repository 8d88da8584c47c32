// `shim suggest` and `shim allow` through the built binary: what goes to stdout and stderr, exit
// codes, the drop-in on disk, and the errors for unknown tools, tools without an allow-list, bad hosts
// and files shim does not own. The audit log is written by hand; nothing runs a container here.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAuditRecord } from '../unit/audit-fixtures.js';
import type { AuditEgress } from '../../src/audit/record.js';
import { createWorld, expectExit, requireBuilt, tool, type World } from './helpers.js';

beforeAll(requireBuilt);

const deny = (host: string, port: number, requests = 1): AuditEgress => ({ host, port, action: 'deny', requests, bytesUp: 0, bytesDown: 0 });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function writeAudit(w: World, ...egress: [string, AuditEgress[]][]): void {
  fs.mkdirSync(w.stateDir, { recursive: true });
  const lines = egress.map(([time, e]) => JSON.stringify(makeAuditRecord({ tool: 'claude', time, network: 'allowlist', egress: e })));
  fs.writeFileSync(path.join(w.stateDir, 'audit.jsonl'), `${lines.join('\n')}\n`);
}

function claudeWorld(): World {
  const w = createWorld();
  w.writeConfig({ claude: tool('npm:@anthropic-ai/claude-code', { allowed_hosts: ['api.anthropic.com'] }), eslint: tool('npm:eslint'), agent: tool('npm:agent', { network: 'bridge' }) });
  return w;
}
const dropIn = (w: World) => path.join(w.dropInDir, '50-allow-claude.json');

describe('shim suggest', () => {
  it('prints the drop-in on stdout and the refusals (count, runs, last time) with the command on stderr', async () => {
    const w = claudeWorld();
    writeAudit(w, [minutesAgo(90), [deny('platform.claude.com', 443, 2), deny('registry.example.com', 8443)]], [minutesAgo(10), [deny('platform.claude.com', 443, 3), deny('api.anthropic.com', 443)]]);
    const out = await w.shim(['suggest', 'claude']);
    expectExit(out, 0);
    expect(JSON.parse(out.stdout.replace(/^\/\/.*\n/gm, ''))).toEqual({ claude: { allowed_hosts: ['api.anthropic.com', 'platform.claude.com', 'registry.example.com:8443'] } });
    expect(out.stderr).toMatch(/platform\.claude\.com:443 +5 +2 +\d{4}-\d\d-\d\dT[\d:]+Z +add platform\.claude\.com\n/);
    expect(out.stderr).toMatch(/registry\.example\.com:8443 +1 +1 .* add registry\.example\.com:8443\n/);
    expect(out.stderr).toMatch(/api\.anthropic\.com:443 .* allowed now by api\.anthropic\.com/);
    expect(out.stderr).toContain('shim allow claude platform.claude.com registry.example.com:8443');
    // suggest writes nothing
    expect(fs.existsSync(w.dropInDir)).toBe(false);
  });

  it('--json: the refusals, the hosts to add, the command and the drop-in text', async () => {
    const w = claudeWorld();
    writeAudit(w, [minutesAgo(5), [deny('platform.claude.com', 443, 4)]]);
    const out = await w.shim(['suggest', 'claude', '--json']);
    expectExit(out, 0);
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(['tool', 'since', 'runs', 'network', 'refusals', 'add', 'unreachable', 'command', 'dropIn', 'notes']);
    expect(json.refusals).toEqual([expect.objectContaining({ entry: 'platform.claude.com', host: 'platform.claude.com', port: 443, requests: 4, runs: 1, status: 'suggested' })]);
    expect(json.add).toEqual(['platform.claude.com']);
    expect(json.command).toBe('shim allow claude platform.claude.com');
    expect(json.dropIn.file).toBe('config.d/50-allow-claude.json');
    expect(json.dropIn.allowedHosts).toEqual(['api.anthropic.com', 'platform.claude.com']);
    expect(out.stderr).toBe('');
  });

  it('--since leaves older refusals out; none left: says so and exits 0 with nothing on stdout', async () => {
    const w = claudeWorld();
    writeAudit(w, [minutesAgo(120), [deny('platform.claude.com', 443)]]);
    const out = await w.shim(['suggest', 'claude', '--since', '1h']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/no refused requests of claude since \S+: 0 run\(s\) in the audit log, nothing to allow/);
    const wider = await w.shim(['suggest', 'claude', '--since', '3h']);
    expect(wider.stdout).toContain('platform.claude.com');
  });

  it('an empty audit log: no refusals, exit 0', async () => {
    const out = await claudeWorld().shim(['suggest', 'claude']);
    expectExit(out, 0);
    expect(out.stderr).toContain('no refused requests of claude in the last 7d');
  });

  it('a bad --since and an unknown tool are clear errors', async () => {
    const w = claudeWorld();
    const since = await w.shim(['suggest', 'claude', '--since', 'yesterday']);
    expectExit(since, 2);
    expect(since.stderr).toContain('--since yesterday: not a duration or an ISO date');
    const unknown = await w.shim(['suggest', 'claud']);
    expectExit(unknown, 127);
    expect(unknown.stderr).toContain('unknown tool "claud"');
    expect(unknown.stderr).toContain('did you mean "claude"? configured tools: agent, claude, eslint');
  });
});

describe('shim allow', () => {
  it('writes the drop-in with the whole list, prints its diff on stdout, and a rerun is a no-op that says so', async () => {
    const w = claudeWorld();
    const out = await w.shim(['allow', 'claude', 'platform.claude.com', 'registry.example.com:8443']);
    expectExit(out, 0);
    expect(out.stdout.split('\n').slice(0, 3)).toEqual(['--- /dev/null', '+++ config.d/50-allow-claude.json', '@@ -0,0 +1,14 @@']);
    expect(out.stdout).toContain('+      "registry.example.com:8443"\n');
    expect(out.stderr).toContain(`wrote ${dropIn(w)}: added platform.claude.com, registry.example.com:8443`);
    expect((fs.statSync(dropIn(w)).mode & 0o777).toString(8)).toBe('600');
    // the effective list, as a run sees it
    const explain = JSON.parse((await w.shim(['explain', '--json', 'claude'])).stdout);
    expect(explain.network.allowedHosts).toEqual(['api.anthropic.com', 'platform.claude.com', 'registry.example.com:8443']);
    expect(explain.network.origin).toBe('config.d/50-allow-claude.json');
    // no temp file left behind, the user's own file untouched
    expect(fs.readdirSync(w.dropInDir)).toEqual(['50-allow-claude.json']);
    expect(JSON.parse(fs.readFileSync(path.join(w.configDir, 'config.json'), 'utf8')).claude.allowed_hosts).toEqual(['api.anthropic.com']);

    const before = fs.readFileSync(dropIn(w), 'utf8');
    const again = await w.shim(['allow', 'claude', 'platform.claude.com']);
    expectExit(again, 0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('already allowed for claude: platform.claude.com');
    expect(again.stderr).toContain('no change: config.d/50-allow-claude.json already holds');
    expect(fs.readFileSync(dropIn(w), 'utf8')).toBe(before);
  });

  it('two at once: both hosts land (the drop-in is read and written under a lock)', async () => {
    const w = claudeWorld();
    const [a, b] = await Promise.all([w.shim(['allow', 'claude', 'a.example.com']), w.shim(['allow', 'claude', 'b.example.com'])]);
    expectExit(a, 0);
    expectExit(b, 0);
    const explain = JSON.parse((await w.shim(['explain', '--json', 'claude'])).stdout);
    expect([...explain.network.allowedHosts].sort()).toEqual(['a.example.com', 'api.anthropic.com', 'b.example.com']);
  });

  it('a tool name that is not configured never reaches a path (no lock or file outside shim\'s dirs)', async () => {
    const w = claudeWorld();
    const before = fs.readdirSync(w.root).sort();
    // as a lock name under the state dir (root/state/shim), this would land in root
    const out = await w.shim(['allow', '../../../escape', 'a.example.com']);
    expectExit(out, 127);
    expect(fs.readdirSync(w.root).sort()).toEqual(before);
    expect(fs.existsSync(w.stateDir)).toBe(false);
    expect(fs.existsSync(w.dropInDir)).toBe(false);
  });

  it('--json reports what changed', async () => {
    const w = claudeWorld();
    const out = await w.shim(['allow', 'claude', 'claude.ai', '--json']);
    expectExit(out, 0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ tool: 'claude', file: 'config.d/50-allow-claude.json', changed: true, added: ['claude.ai'], alreadyAllowed: [], folded: false, allowedHosts: ['api.anthropic.com', 'claude.ai'] });
    expect(json.diff).toMatch(/^--- \/dev\/null\n/);
    expect(out.stderr).toBe('');
  });

  it('folds a later edit of the user list in (without hosts), and suggest warns while the drop-in hides it', async () => {
    const w = claudeWorld();
    expectExit(await w.shim(['allow', 'claude', 'platform.claude.com']), 0);
    w.writeConfig({ claude: tool('npm:@anthropic-ai/claude-code', { allowed_hosts: ['api.anthropic.com', 'mcp-proxy.anthropic.com'] }), eslint: tool('npm:eslint'), agent: tool('npm:agent', { network: 'bridge' }) });
    writeAudit(w, [minutesAgo(1), [deny('x.example.com', 443)]]);
    const suggest = await w.shim(['suggest', 'claude']);
    expect(suggest.stderr).toContain("config.d/50-allow-claude.json hides an edit of claude's allowed_hosts in your own files: run `shim allow claude` to fold it in");
    const out = await w.shim(['allow', 'claude']);
    expectExit(out, 0);
    expect(out.stdout).toContain('+      "mcp-proxy.anthropic.com",\n');
    expect(out.stderr).toContain('folded in the edit of your own list');
    const explain = JSON.parse((await w.shim(['explain', '--json', 'claude'])).stdout);
    expect(explain.network.allowedHosts).toEqual(['api.anthropic.com', 'mcp-proxy.anthropic.com', 'platform.claude.com']);
  });

  it('refuses invalid hosts with the validator\'s message, before touching anything', async () => {
    const w = claudeWorld();
    const out = await w.shim(['allow', 'claude', 'Example.COM', 'a.example.com:99999', 'ok.example.com']);
    expectExit(out, 2);
    expect(out.stderr).toContain('not a valid allowed_hosts entry: "Example.COM" (must be a lower-case host name or "*.domain", optionally with ":port"), "a.example.com:99999" (port must be 1-65535)');
    expect(fs.existsSync(w.dropInDir)).toBe(false);
  });

  it('an unknown tool: an error listing the tools', async () => {
    const out = await claudeWorld().shim(['allow', 'nope', 'a.example.com']);
    expectExit(out, 127);
    expect(out.stderr).toContain('unknown tool "nope"');
    expect(out.stderr).toContain('configured tools: agent, claude, eslint');
  });

  it('a tool without an allow-list ("none" or "bridge"): an error saying what to do, nothing written', async () => {
    const w = claudeWorld();
    const none = await w.shim(['allow', 'eslint', 'a.example.com']);
    expectExit(none, 125);
    expect(none.stderr).toContain('eslint has no allow-list: its network is "none" [built-in default]');
    expect(none.stderr).toContain('add "allowed_hosts": ["host", …] to the eslint entry of your config.json');
    const bridge = await w.shim(['allow', 'agent', 'a.example.com']);
    expectExit(bridge, 125);
    expect(bridge.stderr).toContain('agent has full network ("network": "bridge" [config.json])');
    expect(fs.existsSync(w.dropInDir)).toBe(false);
  });

  it('no hosts and no drop-in yet: a usage error', async () => {
    const out = await claudeWorld().shim(['allow', 'claude']);
    expectExit(out, 2);
    expect(out.stderr).toContain('name at least one host to allow');
  });

  it('never overwrites a drop-in that holds more than shim allow writes', async () => {
    const w = claudeWorld();
    const mine = w.writeDropIn('50-allow-claude.json', { claude: { allowed_hosts: ['api.anthropic.com'], env: { A: '1' } } });
    const out = await w.shim(['allow', 'claude', 'a.example.com']);
    expectExit(out, 125);
    expect(out.stderr).toContain('config.d/50-allow-claude.json holds more than "claude": { "allowed_hosts": […] }');
    expect(out.stderr).toContain('shim allow owns this file');
    expect(JSON.parse(fs.readFileSync(mine, 'utf8'))).toEqual({ claude: { allowed_hosts: ['api.anthropic.com'], env: { A: '1' } } });
  });

  it('refuses when a later drop-in sets the list (the new one would not count)', async () => {
    const w = claudeWorld();
    w.writeDropIn('90-local.json', { claude: { allowed_hosts: ['api.anthropic.com'] } });
    const out = await w.shim(['allow', 'claude', 'a.example.com']);
    expectExit(out, 125);
    expect(out.stderr).toContain("config.d/90-local.json sets claude's allowed_hosts and comes after config.d/50-allow-claude.json");
  });
});
