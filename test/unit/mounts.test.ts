import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildMountArgs, expandMountSource } from '../../src/plan/mounts.js';
import { inspectMountSources } from '../../src/plan/mount-sources.js';
import { docker, makeMount, makeTool, rootlessPodman } from './fixtures.js';

describe('expandMountSource', () => {
  it.each([
    ['.', '/p/q'],
    ['~', '/h'],
    ['~/x/y', '/h/x/y'],
    ['sub/dir', '/p/q/sub/dir'],
    ['../up', '/p/up'],
    ['/abs/path', '/abs/path'],
  ])('%s → %s', (src, want) => {
    expect(expandMountSource(src, '/p/q', '/h')).toBe(want);
  });

  it('refuses ~user', () => {
    expect(() => expandMountSource('~root/x', '/p', '/h')).toThrow(ConfigError);
  });
});

describe('buildMountArgs', () => {
  it('returns nothing for no mounts', () => {
    expect(buildMountArgs([], rootlessPodman(), 't')).toEqual([]);
  });

  it('emits one --mount per mount, in order', () => {
    expect(buildMountArgs([makeMount('/a', '/x'), makeMount('/b', '/y', 'rw')], docker(), 't')).toEqual([
      '--mount',
      'type=bind,src=/a,dst=/x',
      '--mount',
      'type=bind,src=/b,dst=/y',
    ]);
  });

  it('mounts the real path, not the path as written', () => {
    const fact = { config: { src: '~/link', dst: '/x' }, expanded: '/h/link', real: '/h/target' };
    expect(buildMountArgs([fact], docker(), 't')).toEqual(['--mount', 'type=bind,src=/h/target,dst=/x']);
  });

  it('keeps a source named a,dst=/etc in one field', () => {
    const [, spec] = buildMountArgs([makeMount('/tmp/a,dst=/etc', '/w')], docker(), 't');
    expect(spec).toBe('type=bind,"src=/tmp/a,dst=/etc",dst=/w');
  });

  it('keeps a source with a quote in one field', () => {
    const [, spec] = buildMountArgs([makeMount('/tmp/x"y', '/w', 'ro')], docker(), 't');
    expect(spec).toBe('type=bind,"src=/tmp/x""y",dst=/w,ro');
  });

  it('relabels only with podman', () => {
    expect(buildMountArgs([makeMount('/a', '/x', 'Z')], rootlessPodman(), 't')).toEqual(['--mount', 'type=bind,src=/a,dst=/x,relabel=private']);
    expect(() => buildMountArgs([makeMount('/ok', '/o'), makeMount('/a', '/x', 'z')], docker(), 'tool')).toThrow(
      /^tool\.mounts\[1\]\.opts: "z"/,
    );
  });
});

describe('inspectMountSources', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-mounts-')));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'proj'));
  fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
  fs.symlinkSync(path.join(dir, 'proj'), path.join(dir, 'link'));

  it('resolves "." to cwd and symlinks to their target', () => {
    const tool = makeTool({ mounts: [{ src: '.', dst: '/workspace' }, { src: '../link', dst: '/l', opts: 'ro' }, { src: '~/file.txt', dst: '/f' }] });
    const facts = inspectMountSources(tool, path.join(dir, 'proj'), dir);
    expect(facts.map((f) => f.real)).toEqual([path.join(dir, 'proj'), path.join(dir, 'proj'), path.join(dir, 'file.txt')]);
    expect(facts[1]!.expanded).toBe(path.join(dir, 'link'));
    expect(facts[1]!.config.opts).toBe('ro');
  });

  it('refuses a missing source and never creates it', () => {
    const tool = makeTool({ mounts: [{ src: 'missing', dst: '/m' }] });
    expect(() => inspectMountSources(tool, dir, dir)).toThrow(/eslint\.mounts\[0\]\.src/);
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('refuses a source that is a device', () => {
    const tool = makeTool({ mounts: [{ src: '/dev/null', dst: '/n' }] });
    expect(() => inspectMountSources(tool, dir, dir)).toThrow(/neither a directory nor a regular file/);
  });
});
