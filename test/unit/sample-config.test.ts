// config.sample.json (what `shim init` writes) must load with the real loader, stay least-privilege,
// and say which entries are untested or refused.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { starterConfig } from '../../src/commands/init.js';
import { parseJsonc } from '../../src/config/jsonc.js';
import { loadToolFile, type ConfigLayer } from '../../src/config/load.js';
import type { ToolLayer } from '../../src/config/schema.js';
import { tempDir, writeTemp } from './tmp.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.join(REPO, 'config.sample.json');
const text = fs.readFileSync(SAMPLE, 'utf8');
const dir = tempDir('shim-sample-');

function load(file: string): ConfigLayer {
  const result = loadToolFile(file);
  if ('messages' in result) throw new Error(`${file} does not validate:\n${result.messages.join('\n')}`);
  return result;
}
const tools = () => load(SAMPLE).tools;

/** The comment block nearest above a tool's key (the block that introduces its group). */
function commentAbove(name: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim().startsWith(`${JSON.stringify(name)}:`));
  expect(at, `no entry ${name}`).toBeGreaterThan(0);
  let end = at - 1;
  while (end >= 0 && !lines[end]!.trim().startsWith('//')) end--;
  let start = end;
  while (start > 0 && lines[start - 1]!.trim().startsWith('//')) start--;
  return lines.slice(start, end + 1).join('\n');
}

describe('config.sample.json', () => {
  it('loads with the real loader without a problem', () => {
    expect([...tools().keys()]).toEqual(['eslint', 'prettier', 'tsc', 'typescript-language-server', 'ruff', 'black', 'rg', 'node-repl', 'python-repl', 'claude', 'codex', 'gemini', 'opencode']);
  });

  it('grants nothing beyond the defaults that its tools do not need', () => {
    for (const [name, t] of tools()) {
      const grants: (keyof ToolLayer)[] = ['network', 'ports', 'podman_args', 'unsafe_podman_args', 'git_writable', 'limits_best_effort', 'isolated'];
      for (const key of grants) expect(t[key], `${name}.${key}`).toBeUndefined();
      for (const m of t.mounts ?? []) expect(m.allow_sensitive, `${name} mount ${m.src}`).toBeUndefined();
    }
    // a search tool only reads; REPLs get nothing of the host
    expect(tools().get('rg')!.mounts).toEqual([{ src: '.', opts: 'ro' }]);
    // the project at its own path (no "dst"), so host paths mean the same inside
    for (const [name, t] of tools()) for (const m of t.mounts ?? []) if (m.src === '.') expect(m.dst, name).toBeUndefined();
    // install scripts run only for the agents' own packages, which link their native binaries
    expect([...tools()].filter(([, t]) => t.install_scripts).map(([name, t]) => [name, t.install_scripts])).toEqual([
      ['claude', ['@anthropic-ai/claude-code']],
      ['opencode', ['opencode-ai']],
    ]);
    for (const repl of ['node-repl', 'python-repl']) {
      expect(tools().get(repl)!.mounts, repl).toBeUndefined();
      expect(tools().get(repl)!.profile, repl).toBe('safe');
    }
  });

  it('never names a tool after an interpreter that scripts find through PATH', () => {
    for (const name of ['node', 'nodejs', 'python', 'python3', 'sh', 'bash', 'npm', 'npx', 'git']) expect(tools().has(name), name).toBe(false);
  });

  it('the agent gets its key explicitly, its state in a named volume, and only its API hosts', () => {
    const claude = tools().get('claude')!;
    expect(claude.tool).toBe('npm:@anthropic-ai/claude-code');
    // brokered, not passed: claude holds a placeholder, the proxy adds the key for api.anthropic.com only
    expect(claude.env_passthrough).toBeUndefined();
    expect(claude.secrets).toBeUndefined();
    // both ways in (an API key, a setup-token): optional, so claude without either starts and offers sign-in
    expect(claude.credentials).toEqual({
      ANTHROPIC_API_KEY: { from: 'env:ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'], optional: true },
      CLAUDE_CODE_OAUTH_TOKEN: { from: 'env:CLAUDE_CODE_OAUTH_TOKEN', hosts: ['api.anthropic.com'], optional: true },
    });
    // every host claude needs with nonessential traffic off: the API, Console sign-in (its absence made
    // claude exit with "Unable to connect to Anthropic services"), claude.ai sign-in; nothing else
    expect(claude.allowed_hosts).toEqual(['api.anthropic.com', 'platform.claude.com', 'claude.ai']);
    for (const v of ['CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', 'DISABLE_AUTOUPDATER', 'DISABLE_TELEMETRY', 'DISABLE_ERROR_REPORTING', 'DISABLE_BUG_COMMAND']) expect(claude.env?.[v], v).toBe('1');
    expect(claude.network).toBeUndefined();
    expect(claude.mounts).toContainEqual({ src: 'claude-state', dst: '/home/shim/.claude' });
    expect(claude.env?.CLAUDE_CONFIG_DIR).toBe('/home/shim/.claude');
    expect(commentAbove('claude')).toMatch(/through shim's egress proxy/);
  });

  it('every agent keeps its state in a named volume, brokers its keys (optional), and reaches only its own hosts', () => {
    for (const name of ['claude', 'codex', 'gemini', 'opencode']) {
      const agent = tools().get(name)!;
      expect(agent.env_passthrough, name).toBeUndefined();
      expect(agent.secrets, name).toBeUndefined();
      expect(agent.network, name).toBeUndefined();
      expect(agent.session, name).toBe(true);
      expect(agent.mounts!.some((m) => /^[a-z]+-state$/.test(m.src) && m.dst?.startsWith('/home/shim/')), name).toBe(true);
      const creds = Object.values(agent.credentials ?? {});
      expect(creds.length, name).toBeGreaterThan(0);
      for (const c of creds) {
        expect(c.optional, name).toBe(true);
        for (const h of c.hosts) expect(agent.allowed_hosts, name).toContain(h);
      }
    }
  });

  it('marks every entry that is not an npm: tool as untested on the build machines', () => {
    const notNpm = [...tools()].filter(([, t]) => !t.tool!.startsWith('npm:')).map(([name]) => name);
    expect(notNpm).toEqual(['ruff', 'black', 'rg', 'node-repl', 'python-repl']);
    for (const name of notNpm) expect(commentAbove(name), name).toMatch(/untested on shim's build machines/i);
  });

  it('has no "$schema" of its own (shim init adds one for the installed copy)', () => {
    expect(Object.keys(parseJsonc(text).value as object)).not.toContain('$schema');
  });
});

describe('starterConfig', () => {
  const url = 'file:///usr/lib/node_modules/shim-sandbox/schema/config.schema.json';

  it('puts "$schema" first and keeps the comments and the tools', () => {
    const out = starterConfig(text, url);
    const value = parseJsonc(out).value as Record<string, unknown>;
    expect(Object.keys(value)[0]).toBe('$schema');
    expect(value.$schema).toBe(url);
    expect(out).toContain(commentAbove('claude'));
    expect(out.startsWith(text.slice(0, text.indexOf('{')))).toBe(true);
    const layer = load(writeTemp(dir, out));
    expect([...layer.tools.keys()]).toEqual([...tools().keys()]);
  });

  it('replaces an existing "$schema" rather than adding a second one', () => {
    const out = starterConfig('{ "$schema": "old", "x": { "tool": "npm:x" } }', url);
    expect(parseJsonc(out).value).toEqual({ $schema: url, x: { tool: 'npm:x' } });
    expect(out.match(/\$schema/g)).toHaveLength(1);
  });
});
