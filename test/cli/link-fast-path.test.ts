// The fast path of a tool link: after one full load, a link with unchanged config files uses the
// cached, validated config; any change to a config file (or a project .shim.json in reach) takes the
// full path again. The cache is observed through its effect: a tampered cache entry that keeps its
// stamp is used (so the cache really is read), and is ignored as soon as a file changes.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

const cacheFile = (w: World) => path.join(w.root, 'cache', 'shim', 'config-cache.json');

/** Rewrites the cached command of `tool` (keeping the stamp), as only the cache could make a link run it. */
function tamperCachedCommand(w: World, tool: string, command: string): void {
  const cached = JSON.parse(fs.readFileSync(cacheFile(w), 'utf8'));
  for (const layer of cached.config.layers) for (const entry of layer.tools) if (entry[0] === tool) entry[1].command = command;
  fs.writeFileSync(cacheFile(w), JSON.stringify(cached));
}

const commandOf = (argv: string[]) => argv[argv.length - 1];

async function linkedWorld(): Promise<World> {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint', command: 'eslint' } });
  expectExit(await w.shim(['up']), 0);
  return w;
}

describe('tool link fast path', () => {
  it('writes the cache on the first link call and uses it while nothing changed', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', []), 0);
    expect(fs.existsSync(cacheFile(w))).toBe(true);
    expect((fs.statSync(cacheFile(w)).mode & 0o777).toString(8)).toBe('600');
    tamperCachedCommand(w, 'eslint', 'from-cache');
    expectExit(await w.link('eslint', []), 0);
    expect(commandOf(w.lastToolRun())).toBe('from-cache');
  });

  it('takes the full path again when config.json changes, even to the same size', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', []), 0);
    tamperCachedCommand(w, 'eslint', 'from-cache');
    // same length, different command: only the file's times and inode tell
    w.writeConfig({ eslint: { tool: 'npm:eslint', command: 'eslinT' } });
    expectExit(await w.link('eslint', []), 0);
    expect(commandOf(w.lastToolRun())).toBe('eslinT');
  });

  it('takes the full path when a drop-in file or settings.json appears', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', []), 0);
    tamperCachedCommand(w, 'eslint', 'from-cache');
    w.writeDropIn('10-eslint.json', { eslint: { command: 'eslint-dropin' } });
    expectExit(await w.link('eslint', []), 0);
    expect(commandOf(w.lastToolRun())).toBe('eslint-dropin');

    tamperCachedCommand(w, 'eslint', 'from-cache');
    fs.writeFileSync(path.join(w.configDir, 'settings.json'), '{ "min_release_age": "1d" }\n');
    expectExit(await w.link('eslint', []), 0);
    expect(commandOf(w.lastToolRun())).toBe('eslint-dropin');
  });

  it('never uses the cache where a project .shim.json is in reach', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', []), 0);
    tamperCachedCommand(w, 'eslint', 'from-cache');
    fs.writeFileSync(path.join(w.project, '.shim.json'), '{}\n', { mode: 0o600 });
    expectExit(await w.link('eslint', []), 0);
    expect(commandOf(w.lastToolRun())).toBe('eslint');
  });

  it('a broken config file still fails on the fast path as on the full one (exit 125, naming the file)', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', []), 0);
    w.writeConfig('{ "eslint": { "tool": "npm:eslint", "netwrok": "none" } }');
    const out = await w.link('eslint', []);
    expectExit(out, 125);
    expect(out.stderr).toContain('netwrok');
    // and the broken state is what the next call sees too (cached with its problem, or loaded again)
    const again = await w.link('eslint', []);
    expectExit(again, 125);
    expect(again.stderr).toContain('netwrok');
  });
});

describe('what a tool link loads', () => {
  it('reaches neither the schema validator nor the CLI parser nor shim serve from the entry, the link app and the run module (through the session dispatch)', () => {
    const dist = path.resolve(import.meta.dirname, '../../dist');
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      // static imports only: what a module loads on evaluation
      for (const m of text.matchAll(/^import\s*(?:[^;"]*?from\s*)?"(\.[^"]+)"/gm)) walk(path.resolve(path.dirname(file), m[1]!));
    };
    const entry = path.join(dist, 'shim.mjs');
    walk(entry);
    const dynamic = [...fs.readFileSync(entry, 'utf8').matchAll(/import\("(\.\/chunks\/(?:with-config-cache|session)-[A-Z0-9]+\.mjs)"\)/g)].map((m) => m[1]!);
    expect(dynamic).toHaveLength(2);
    for (const d of dynamic) walk(path.join(dist, d));
    const loaded = [...seen].map((f) => fs.readFileSync(f, 'utf8'));
    expect(loaded.some((t) => t.includes('runTool'))).toBe(true); // the walk did reach the run module
    // zod's error class and one of commander's error codes mark the two libraries; ws's server class
    // marks shim serve's stack
    const markers = [/ZodError/, /commander\.unknownOption/, /WebSocketServer/];
    for (const marker of markers) expect(loaded.some((t) => marker.test(t)), String(marker)).toBe(false);
    // control: both markers are in the bundle, in the chunks shim's own commands load
    const all = fs.readdirSync(path.join(dist, 'chunks')).map((f) => fs.readFileSync(path.join(dist, 'chunks', f), 'utf8'));
    for (const marker of markers) expect(all.some((t) => marker.test(t)), String(marker)).toBe(true);
  });
});

describe('the link bundle (dist/link.cjs)', () => {
  const dist = path.resolve(import.meta.dirname, '../../dist');

  it('holds neither the schema validator nor the CLI parser nor execa: those are files apart, required when used', () => {
    const link = fs.readFileSync(path.join(dist, 'link.cjs'), 'utf8');
    expect(link).toContain('runTool'); // control: it is the run path
    for (const marker of [/ZodError/, /commander\.unknownOption/, /ExecaError/, /WebSocketServer/]) expect(marker.test(link), String(marker)).toBe(false);
    // bin/shim.js runs it through vm.Script, where an import() would find no module loader
    expect(link).not.toMatch(/\bimport\(/);
    expect(link).toContain('require("./link-config.cjs")');
    expect(link).toContain('require("./link-execa.cjs")');
    expect(fs.readFileSync(path.join(dist, 'link-config.cjs'), 'utf8')).toMatch(/ZodError/);
    expect(fs.readFileSync(path.join(dist, 'link-execa.cjs'), 'utf8')).toMatch(/ExecaError/);
  });

  // bin/shim.js keeps V8's code cache of the link bundle in shim's cache directory
  it(
    'keeps a code cache (0600) that a wrong key or broken data only makes it ignore',
    async () => {
      const w = await linkedWorld();
      const cache = path.join(w.root, 'cache', 'shim', `link-code-${process.version}-${process.arch}.cache`);
      expectExit(await w.link('eslint', []), 0);
      expect(fs.existsSync(cache)).toBe(true);
      expect((fs.statSync(cache).mode & 0o777).toString(8)).toBe('600');
      const [key] = fs.readFileSync(cache, 'latin1').split('\n');
      expect(key).toContain(process.version);
      // right key, broken data: V8 rejects it, the run goes on and the cache is made anew
      fs.writeFileSync(cache, `${key}\n${'x'.repeat(4096)}`);
      expectExit(await w.link('eslint', []), 0);
      expect(fs.readFileSync(cache).length).toBeGreaterThan(4096 + key!.length + 1);
      expect(fs.readFileSync(cache, 'latin1').includes('x'.repeat(4096))).toBe(false);
      // another key (another build of the bundle): not used, replaced
      fs.writeFileSync(cache, `0:0:0:0:${process.version}:${process.arch}\nnot code`);
      expectExit(await w.link('eslint', []), 0);
      expect(fs.readFileSync(cache, 'latin1').split('\n')[0]).toBe(key);
    },
  );
});
