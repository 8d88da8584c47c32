// `shim up` and `shim down`: one link per tool in the bin dir; never touches what is not shim's.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

const SHIM_REAL = fs.realpathSync(SHIM);
const linkTarget = (w: World, name: string) => fs.readlinkSync(path.join(w.bin, name));
const isLink = (w: World, name: string) => fs.lstatSync(path.join(w.bin, name), { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
const onPath = (w: World) => ({ PATH: `${w.bin}:${w.fake.dir}:/usr/bin:/bin` });

describe('shim up', () => {
  it('links every tool of the valid files to shim, and none of a broken file', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('10-more.json', { prettier: { tool: 'npm:prettier' } });
    w.writeDropIn('20-bad.json', { ruff: { tool: 'pipx:ruff', netwrok: 'none' } });
    const out = await w.shim(['up'], { env: onPath(w) });
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(fs.readdirSync(w.bin).sort()).toEqual(['eslint', 'prettier']);
    expect(linkTarget(w, 'eslint')).toBe(SHIM_REAL);
    expect(linkTarget(w, 'prettier')).toBe(SHIM_REAL);
    expect(out.stderr).toContain('linked: eslint');
    expect(out.stderr).toContain('config.d/20-bad.json: ruff.netwrok: unknown key');
    expect(w.calls()).toEqual([]);
  });

  it('is idempotent: a second run says "exists" and changes nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['up'], { env: onPath(w) }), 0);
    const out = await w.shim(['up'], { env: onPath(w) });
    expectExit(out, 0);
    expect(out.stderr).toContain('exists: eslint');
    expect(out.stderr).not.toContain('linked:');
    expect(linkTarget(w, 'eslint')).toBe(SHIM_REAL);
  });

  it('never replaces a regular file (says skip, exit 1) but still links the other tools', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier' } });
    fs.writeFileSync(path.join(w.bin, 'eslint'), 'mine');
    const out = await w.shim(['up'], { env: onPath(w) });
    expectExit(out, 1);
    expect(out.stderr).toContain('skip: eslint');
    expect(fs.readFileSync(path.join(w.bin, 'eslint'), 'utf8')).toBe('mine');
    expect(linkTarget(w, 'prettier')).toBe(SHIM_REAL);
  });

  it('never replaces a link pointing elsewhere (says skip, exit 1)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.symlinkSync('/usr/bin/true', path.join(w.bin, 'eslint'));
    const out = await w.shim(['up'], { env: onPath(w) });
    expectExit(out, 1);
    expect(out.stderr).toContain('skip: eslint');
    expect(out.stderr).toContain('/usr/bin/true');
    expect(linkTarget(w, 'eslint')).toBe('/usr/bin/true');
  });

  it('never creates links named shim, podman or docker', async () => {
    const w = createWorld();
    w.writeConfig({ shim: { tool: 'npm:shim' }, podman: { tool: 'npm:podman' }, docker: { tool: 'npm:docker' }, eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['up'], { env: onPath(w) });
    expect(fs.readdirSync(w.bin)).toEqual(['eslint']);
    for (const name of ['shim', 'podman', 'docker']) expect(out.stderr).toContain(`skip: ${name} (reserved name`);
  });

  it('warns when the bin dir is not on PATH', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['up']);
    expectExit(out, 0);
    expect(out.stderr).toContain(`warning: ${w.bin} is not on PATH`);
  });

  it('does not warn about PATH when the bin dir is on it', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['up'], { env: onPath(w) });
    expectExit(out, 0);
    expect(out.stderr).not.toContain('warning');
  });

  it('warns when another executable of the same name comes earlier on PATH', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const early = path.join(w.root, 'early');
    fs.mkdirSync(early);
    fs.writeFileSync(path.join(early, 'eslint'), '#!/bin/sh\n', { mode: 0o755 });
    const out = await w.shim(['up'], { env: { PATH: `${early}:${w.bin}:${w.fake.dir}:/usr/bin:/bin` } });
    expectExit(out, 0);
    expect(out.stderr).toContain(`${path.join(early, 'eslint')} comes before ${w.bin} on PATH`);
    expect(isLink(w, 'eslint')).toBe(true);
  });

  it('a link it made runs the tool', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['up'], { env: onPath(w) }), 0);
    expectExit(await w.link('eslint', ['.'], { env: onPath(w) }), 0);
    expect(w.lastToolRun().slice(-2)).toEqual(['eslint', '.']);
  });
});

describe('shim down', () => {
  it('removes links to shim, even for tools no longer configured, and leaves the rest', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier' } });
    expectExit(await w.shim(['up'], { env: onPath(w) }), 0);
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.writeFileSync(path.join(w.bin, 'mytool'), 'mine');
    fs.symlinkSync('/usr/bin/true', path.join(w.bin, 'foreign'));
    const out = await w.shim(['down']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('removed: eslint');
    expect(out.stderr).toContain('removed: prettier');
    expect(fs.readdirSync(w.bin).sort()).toEqual(['foreign', 'mytool']);
    expect(fs.readFileSync(path.join(w.bin, 'mytool'), 'utf8')).toBe('mine');
    expect(linkTarget(w, 'foreign')).toBe('/usr/bin/true');
  });

  it('removes a relative link to shim too', async () => {
    const w = createWorld();
    fs.symlinkSync(path.relative(w.bin, SHIM_REAL), path.join(w.bin, 'eslint'));
    const out = await w.shim(['down']);
    expectExit(out, 0);
    expect(isLink(w, 'eslint')).toBe(false);
  });

  it('with nothing to remove, says so and exits 0', async () => {
    const w = createWorld();
    const out = await w.shim(['down']);
    expectExit(out, 0);
    expect(out.stderr).toContain(`no shim links in ${w.bin}`);
  });
});
