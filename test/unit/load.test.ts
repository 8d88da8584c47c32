import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { listConfigFiles } from '../../src/config/files.js';
import { loadConfig, loadToolFile, type ConfigLayer, type FileProblem } from '../../src/config/load.js';
import { parseJsonc } from '../../src/config/jsonc.js';
import { resolveShimPaths } from '../../src/config/paths.js';
import { tempDir, writeTemp } from './tmp.js';

const dir = tempDir('shim-load-');

describe('parseJsonc', () => {
  it('accepts comments and trailing commas', () => {
    expect(parseJsonc('// c\n{ /* b */ "a": [1, 2,], }')).toEqual({ value: { a: [1, 2] } });
  });
  it('reports the first error with line and column', () => {
    expect(parseJsonc('{\n  "a": 1\n  "b": 2\n}').error).toBe('line 3, column 3: CommaExpected');
  });
  it('reports an empty text', () => {
    expect(parseJsonc('').error).toBe('line 1, column 1: ValueExpected');
  });
});

describe('loadToolFile', () => {
  it('accepts JSONC comments and trailing commas', () => {
    const file = writeTemp(dir, '{\n  // the linter\n  "eslint": { "tool": "npm:eslint", /* inline */ "network": "none", },\n}\n');
    const r = loadToolFile(file) as ConfigLayer;
    expect(r.file).toBe(file);
    expect([...r.tools.entries()]).toEqual([['eslint', { tool: 'npm:eslint', network: 'none' }]]);
  });

  it('reports invalid JSON with line and column and keeps the salvaged tool names', () => {
    const file = writeTemp(dir, '{\n  "eslint": { "tool": "npm:eslint" },\n  "prettier": { "tool": "npm:prettier" }\n  "ruff": { "tool": "pipx:ruff" }\n}\n');
    const r = loadToolFile(file) as FileProblem;
    expect(r).toEqual({ file, messages: ['invalid JSON at line 4, column 3: CommaExpected'], tools: ['eslint', 'prettier', 'ruff'] });
  });

  it('salvages only valid tool names from a broken file', () => {
    const file = writeTemp(dir, '{ "ok": {}, "../bad": {}, ');
    const r = loadToolFile(file) as FileProblem;
    expect(r.messages[0]).toMatch(/^invalid JSON at line 1, column \d+: /);
    expect(r.tools).toEqual(['ok']);
  });

  it('a validation error marks every tool of the file as broken', () => {
    const file = writeTemp(dir, JSON.stringify({ eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier', netwrok: 'none' } }));
    const r = loadToolFile(file) as FileProblem;
    expect(r.messages).toEqual(['prettier.netwrok: unknown key (did you mean "network"?)']);
    expect(r.tools).toEqual(['eslint', 'prettier']);
  });

  it.each(['[]', '"x"', '42', 'null'])('refuses a top-level %s', (text) => {
    const file = writeTemp(dir, text);
    expect(loadToolFile(file)).toEqual({ file, messages: ['must be a JSON object keyed by tool name'], tools: [] });
  });

  it('reports an unreadable file', () => {
    const file = path.join(dir, 'does-not-exist.json');
    const r = loadToolFile(file) as FileProblem;
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/^cannot read: /);
    expect(r.tools).toEqual([]);
  });

  it('accepts an empty object', () => {
    const r = loadToolFile(writeTemp(dir, '{}')) as ConfigLayer;
    expect(r.tools.size).toBe(0);
    expect('messages' in r).toBe(false);
  });
});

function configHome(): { root: string; paths: ReturnType<typeof resolveShimPaths> } {
  const root = fs.mkdtempSync(path.join(dir, 'home-'));
  const paths = resolveShimPaths({}, root);
  fs.mkdirSync(paths.configDir, { recursive: true });
  return { root, paths };
}

describe('listConfigFiles', () => {
  it('returns config.json then config.d/*.json sorted, skipping dotfiles, other extensions and directories', () => {
    const { paths } = configHome();
    fs.writeFileSync(paths.configFile, '{}');
    fs.mkdirSync(paths.configDropInDir);
    for (const n of ['20-b.json', '10-a.json', '.hidden.json', 'notes.txt', 'x.js', 'x.jsonc']) fs.writeFileSync(path.join(paths.configDropInDir, n), '{}');
    fs.mkdirSync(path.join(paths.configDropInDir, '30-dir.json'));
    expect(listConfigFiles(paths)).toEqual([
      paths.configFile,
      path.join(paths.configDropInDir, '10-a.json'),
      path.join(paths.configDropInDir, '20-b.json'),
    ]);
  });

  it('returns nothing when there is no config', () => {
    const { paths } = configHome();
    expect(listConfigFiles(paths)).toEqual([]);
  });

  it('works with only drop-ins', () => {
    const { paths } = configHome();
    fs.mkdirSync(paths.configDropInDir);
    fs.writeFileSync(path.join(paths.configDropInDir, 'a.json'), '{}');
    expect(listConfigFiles(paths)).toEqual([path.join(paths.configDropInDir, 'a.json')]);
  });
});

describe('loadConfig', () => {
  it('separates valid layers from problems and reads settings', () => {
    const { paths } = configHome();
    fs.writeFileSync(paths.configFile, JSON.stringify({ eslint: { tool: 'npm:eslint' } }));
    fs.mkdirSync(paths.configDropInDir);
    fs.writeFileSync(path.join(paths.configDropInDir, 'broken.json'), '{ "ruff": { "tool": "pipx:ruff" ');
    fs.writeFileSync(paths.settingsFile, '{ "runtime": "docker", // comment\n }');
    const c = loadConfig(paths);
    expect(c.layers.map((l) => l.file)).toEqual([paths.configFile]);
    expect(c.problems.map((p) => [p.file, p.tools])).toEqual([[path.join(paths.configDropInDir, 'broken.json'), ['ruff']]]);
    expect(c.settings).toEqual({ runtime: 'docker' });
    expect(c.settingsProblem).toBeUndefined();
  });

  it('reports a bad settings file and falls back to empty settings', () => {
    const { paths } = configHome();
    fs.writeFileSync(paths.settingsFile, JSON.stringify({ runtime: 'lxc', imagee: 'x' }));
    const c = loadConfig(paths);
    expect(c.settings).toEqual({});
    expect(c.settingsProblem?.file).toBe(paths.settingsFile);
    expect(c.settingsProblem?.messages).toHaveLength(2);
    expect(c.settingsProblem?.messages).toContain('imagee: unknown key (did you mean "image"?)');
    expect(c.settingsProblem?.messages.some((m) => m.startsWith('runtime: '))).toBe(true);
  });

  it('reports invalid settings JSON', () => {
    const { paths } = configHome();
    fs.writeFileSync(paths.settingsFile, '{ "runtime": }');
    const c = loadConfig(paths);
    expect(c.settings).toEqual({});
    expect(c.settingsProblem?.messages[0]).toMatch(/^invalid JSON at line 1, column 14: /);
  });

  it('has no settings problem when settings.json is absent', () => {
    const { paths } = configHome();
    const c = loadConfig(paths);
    expect(c).toEqual({ layers: [], problems: [], settings: {} });
  });
});
