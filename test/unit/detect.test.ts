import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError, RuntimeNotFoundError } from '../../src/errors.js';
import { detectRuntime, findOnPath } from '../../src/runtime/detect.js';
import { makeHost } from './fixtures.js';
import { tempDir } from './tmp.js';

const root = tempDir('shim-detect-');
let n = 0;

/** A fresh directory holding fake executables (and optionally non-executable files). */
function binDir(exes: string[], plain: string[] = []): string {
  const dir = path.join(root, `bin${++n}`);
  fs.mkdirSync(dir);
  for (const e of exes) fs.writeFileSync(path.join(dir, e), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  for (const p of plain) fs.writeFileSync(path.join(dir, p), 'not executable', { mode: 0o644 });
  return dir;
}

const SHIM_ENTRY = path.join(root, 'pkg', 'bin', 'shim.js');
fs.mkdirSync(path.dirname(SHIM_ENTRY), { recursive: true });
fs.writeFileSync(SHIM_ENTRY, '#!/usr/bin/env node\n', { mode: 0o755 });
const LINKS = path.join(root, 'links');
fs.mkdirSync(LINKS);

const host = (PATH: string, env: Record<string, string> = {}, uid = 1000) => makeHost({ uid, shimEntry: SHIM_ENTRY }, { PATH, ...env });

describe('findOnPath', () => {
  it('finds the first executable on PATH', () => {
    const a = binDir([]);
    const b = binDir(['podman']);
    const c = binDir(['podman']);
    expect(findOnPath('podman', host([a, b, c].join(':')), [])).toBe(path.join(b, 'podman'));
  });

  it('skips non-executable files, directories, empty and relative entries', () => {
    const a = binDir([], ['podman']);
    const d = binDir([]);
    fs.mkdirSync(path.join(d, 'podman'));
    const good = binDir(['podman']);
    expect(findOnPath('podman', host(['', 'relative/bin', a, d, good].join(':')), [])).toBe(path.join(good, 'podman'));
  });

  it('skips the given directories (also via a symlinked spelling)', () => {
    const links = binDir(['podman']);
    const alias = path.join(root, `alias${++n}`);
    fs.symlinkSync(links, alias);
    const real = binDir(['podman']);
    expect(findOnPath('podman', host([alias, real].join(':')), [links])).toBe(path.join(real, 'podman'));
  });

  it('skips a candidate that is really shim', () => {
    const d = binDir([]);
    fs.symlinkSync(SHIM_ENTRY, path.join(d, 'podman'));
    const real = binDir(['podman']);
    expect(findOnPath('podman', host([d, real].join(':')), [])).toBe(path.join(real, 'podman'));
  });

  it('returns undefined when nothing is found or PATH is unset', () => {
    expect(findOnPath('podman', host(binDir([])), [])).toBeUndefined();
    expect(findOnPath('podman', makeHost({ shimEntry: SHIM_ENTRY }, {}), [])).toBeUndefined();
  });
});

describe('detectRuntime', () => {
  it('prefers podman when both are present', () => {
    const d = binDir(['docker', 'podman']);
    expect(detectRuntime(host(d), {}, LINKS)).toEqual({ name: 'podman', path: path.join(d, 'podman'), rootless: true });
  });

  it('falls back to docker', () => {
    const d = binDir(['docker']);
    expect(detectRuntime(host(d), {}, LINKS)).toEqual({ name: 'docker', path: path.join(d, 'docker'), rootless: false });
  });

  it('treats podman run by root as rootful', () => {
    const d = binDir(['podman']);
    expect(detectRuntime(host(d, {}, 0), {}, LINKS).rootless).toBe(false);
  });

  it('SHIM_RUNTIME chooses docker over podman', () => {
    const d = binDir(['docker', 'podman']);
    expect(detectRuntime(host(d, { SHIM_RUNTIME: ' docker ' }), {}, LINKS).name).toBe('docker');
  });

  it('settings.runtime chooses docker, SHIM_RUNTIME beats it', () => {
    const d = binDir(['docker', 'podman']);
    expect(detectRuntime(host(d), { runtime: 'docker' }, LINKS).name).toBe('docker');
    expect(detectRuntime(host(d, { SHIM_RUNTIME: 'podman' }), { runtime: 'docker' }, LINKS).name).toBe('podman');
  });

  it('refuses an invalid SHIM_RUNTIME', () => {
    const d = binDir(['podman']);
    expect(() => detectRuntime(host(d, { SHIM_RUNTIME: 'lxc' }), {}, LINKS)).toThrow(ConfigError);
    expect(() => detectRuntime(host(d, { SHIM_RUNTIME: 'lxc' }), {}, LINKS)).toThrow('SHIM_RUNTIME must be "podman" or "docker", got "lxc"');
  });

  it('does not fall back when the requested runtime is missing', () => {
    const d = binDir(['podman']);
    expect(() => detectRuntime(host(d, { SHIM_RUNTIME: 'docker' }), {}, LINKS)).toThrow(RuntimeNotFoundError);
    expect(() => detectRuntime(host(d, { SHIM_RUNTIME: 'docker' }), {}, LINKS)).toThrow('docker not found on PATH (requested by SHIM_RUNTIME)');
    expect(() => detectRuntime(host(d), { runtime: 'docker' }, LINKS)).toThrow('docker not found on PATH (requested by settings.json "runtime")');
  });

  it('reports when neither runtime is found', () => {
    expect(() => detectRuntime(host(binDir([])), {}, LINKS)).toThrow('neither podman nor docker was found on PATH');
  });

  it("ignores a podman link in shim's own bin dir", () => {
    const links = binDir([]);
    fs.symlinkSync(SHIM_ENTRY, path.join(links, 'podman'));
    fs.writeFileSync(path.join(links, 'docker'), '#!/bin/sh\n', { mode: 0o755 });
    const d = binDir(['docker']);
    expect(detectRuntime(host([links, d].join(':')), {}, links)).toEqual({ name: 'docker', path: path.join(d, 'docker'), rootless: false });
  });
});
