// The config cache of tool links (src/config/config-cache.ts): current only for the same files and
// shim version, never for a project, and any unreadable cache is a miss.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configStamp, readCachedConfig, writeCachedConfig } from '../../src/config/config-cache.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { resolveShimPaths, type ShimPaths } from '../../src/config/paths.js';

let root: string;
let paths: ShimPaths;
let home: string;

const config = (): LoadedConfig => ({
  layers: [{ file: paths.configFile, tools: new Map([['eslint', { tool: 'npm:eslint' }]]) }],
  problems: [],
  settings: {},
});

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-cache-')));
  home = path.join(root, 'home');
  fs.mkdirSync(home);
  paths = resolveShimPaths({ XDG_CONFIG_HOME: path.join(root, 'config'), XDG_CACHE_HOME: path.join(root, 'cache'), XDG_STATE_HOME: path.join(root, 'state') }, home);
  fs.mkdirSync(paths.configDir, { recursive: true });
  fs.writeFileSync(paths.configFile, '{"eslint": {"tool": "npm:eslint"}}\n');
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('config cache', () => {
  it('gives back what was written, tools as a Map, while the files and version are the same', () => {
    writeCachedConfig(paths, configStamp(paths, '1.0.0'), config());
    const hit = readCachedConfig(paths, '1.0.0', home, home);
    expect(hit?.layers[0]?.tools).toEqual(new Map([['eslint', { tool: 'npm:eslint' }]]));
  });

  it('misses for another shim version', () => {
    writeCachedConfig(paths, configStamp(paths, '1.0.0'), config());
    expect(readCachedConfig(paths, '1.0.1', home, home)).toBeUndefined();
  });

  it('misses when a config file was rewritten after the stamp was taken', () => {
    const stamp = configStamp(paths, '1.0.0');
    fs.rmSync(paths.configFile);
    fs.writeFileSync(paths.configFile, '{"eslint": {"tool": "npm:eslinT"}}\n');
    writeCachedConfig(paths, stamp, config());
    expect(readCachedConfig(paths, '1.0.0', home, home)).toBeUndefined();
  });

  it('misses for a corrupt cache file, and never throws', () => {
    writeCachedConfig(paths, configStamp(paths, '1.0.0'), config());
    fs.writeFileSync(path.join(paths.cacheDir, 'config-cache.json'), '{"stamp": ');
    expect(readCachedConfig(paths, '1.0.0', home, home)).toBeUndefined();
  });

  it('is never written for a config with a project, and never read below a .shim.json', () => {
    writeCachedConfig(paths, configStamp(paths, '1.0.0'), { ...config(), project: { file: '/p/.shim.json', root: '/p', status: 'trusted', ignored: [], sinceTrusted: [] } as never });
    expect(fs.existsSync(path.join(paths.cacheDir, 'config-cache.json'))).toBe(false);
    writeCachedConfig(paths, configStamp(paths, '1.0.0'), config());
    const project = path.join(home, 'project');
    fs.mkdirSync(project);
    expect(readCachedConfig(paths, '1.0.0', project, home)).toBeDefined(); // control
    fs.writeFileSync(path.join(project, '.shim.json'), '{}');
    expect(readCachedConfig(paths, '1.0.0', project, home)).toBeUndefined();
  });
});
