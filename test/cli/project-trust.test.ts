// A project's .shim.json through the built binary: narrow additions apply at once, widening fields are
// ignored with a warning until `shim trust` (each refusal with its positive control), a changed file is
// untrusted again with a diff, and a file someone else owns is refused.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, valuesOf, type World } from './helpers.js';

beforeAll(requireBuilt);

function writeProject(w: World, content: unknown, dir = w.project): string {
  const file = path.join(dir, '.shim.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  fs.chmodSync(file, 0o644);
  return file;
}

const binds = (argv: string[]) => valuesOf(argv, '--mount').filter((m) => m.startsWith('type=bind'));

describe('project .shim.json', () => {
  it('never gets links: `shim up` in a project links only your own tools', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    writeProject(w, { ls: { tool: 'npm:cowsay' } });
    // the project tool itself is usable through `shim run` (it is narrow)
    expectExit(await w.shim(['run', 'ls']), 0);
    const up = await w.shim(['up']);
    expectExit(up, 0);
    // positive control: your tool is linked; the project's `ls` is not
    expect(fs.readdirSync(w.bin)).toContain('eslint');
    expect(fs.readdirSync(w.bin)).not.toContain('ls');
  });

  it('widening a tool of yours is ignored with a warning until `shim trust`, then applied', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const file = writeProject(w, { eslint: { network: 'bridge', env_passthrough: ['LANG'] } });

    const before = await w.shim(['run', 'eslint']);
    expectExit(before, 0);
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['none']);
    expect(w.lastToolEnv()).not.toContain('LANG=C.UTF-8');
    expect(before.stderr).toContain(`${file}: ignored eslint.network: "bridge" (full outbound network; yours: "none"); run \`shim trust\` in ${w.project} to allow`);
    expect(before.stderr).toContain(`${file}: ignored eslint.env_passthrough: passes host variables LANG`);

    const trust = await w.shim(['trust']);
    expectExit(trust, 0);
    expect(trust.stdout).toContain(`trusted ${file}`);
    expect(trust.stdout).toContain('eslint.network: "bridge"');
    expect(trust.stdout).toContain('eslint.env_passthrough: passes host variables LANG');

    // positive control: the same fields now apply, silently
    const after = await w.shim(['run', 'eslint']);
    expectExit(after, 0);
    expect(after.stderr).not.toContain('warning');
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['bridge']);
    expect(w.lastToolEnv()).toContain('LANG=C.UTF-8');
  });

  it('adds a narrow tool at once; its "." is the project root, also from a subdirectory', async () => {
    const w = createWorld();
    const sub = path.join(w.project, 'sub');
    fs.mkdirSync(sub);
    writeProject(w, { fmt: { tool: 'npm:prettier', mounts: [{ src: '.', dst: '/workspace' }] } });
    const out = await w.shim(['run', 'fmt'], { cwd: sub });
    expectExit(out, 0);
    expect(out.stderr).not.toContain('warning');
    expect(binds(w.lastToolRun())).toContainEqual(expect.stringMatching(new RegExp(`^type=bind,src=${w.project},dst=/workspace`)));
  });

  it('a mount outside the project is ignored until trusted', async () => {
    const w = createWorld();
    const outside = path.join(w.root, 'outside');
    fs.mkdirSync(outside);
    const file = writeProject(w, { fmt: { tool: 'npm:prettier', mounts: [{ src: '../outside', dst: '/data', opts: 'ro' }] } });
    const before = await w.shim(['run', 'fmt']);
    expectExit(before, 0);
    expect(before.stderr).toContain(`${file}: ignored fmt.mounts: [0] "${outside}" resolves to ${outside}, outside the project ${w.project}`);
    expect(binds(w.lastToolRun()).join('\n')).not.toContain(outside);
    expectExit(await w.shim(['trust']), 0);
    expectExit(await w.shim(['run', 'fmt']), 0);
    expect(binds(w.lastToolRun())).toContain(`type=bind,src=${outside},dst=/data,ro`);
  });

  it('shim explain names the project file as the origin', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'bridge' } });
    const file = writeProject(w, { eslint: { network: 'none' } });
    const out = await w.shim(['explain', 'eslint', '--json']);
    expectExit(out, 0);
    const report = JSON.parse(out.stdout) as { fields: { key: string; origin: string }[] };
    expect(report.fields.find((f) => f.key === 'network')!.origin).toBe(`project:${file} (untrusted)`);
    expect(report.fields.find((f) => f.key === 'tool')!.origin).toBe('config.json');
  });

  it('a change after trust is untrusted again and shows what widened; --revoke forgets it', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite' } });
    const file = writeProject(w, { vite: { network: 'bridge' } });
    expectExit(await w.shim(['trust']), 0);
    writeProject(w, { vite: { network: 'bridge', ports: [':5173'] } });
    const changed = await w.shim(['run', 'vite']);
    expectExit(changed, 0);
    expect(changed.stderr).toContain(`${file} changed since you trusted it`);
    expect(changed.stderr).toContain('widened since then:\n  vite.ports: publishes :5173');
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['none']);
    // positive control: trusting the new version applies it
    const trust = await w.shim(['trust']);
    expect(trust.stdout).toContain('vite.ports: publishes :5173');
    const trusted = await w.shim(['run', 'vite']);
    expectExit(trusted, 0);
    expect(w.lastToolRun()).toContain('/usr/local/libexec/shim/with-ports');
    expect(trusted.stderr).toMatch(/vite: port 5173 is on http:\/\/127\.0\.0\.1:\d+/);

    const revoke = await w.shim(['trust', '--revoke']);
    expectExit(revoke, 0);
    expect(revoke.stdout).toContain(`no longer trusted: ${file}`);
    const again = await w.shim(['run', 'vite']);
    expect(again.stderr).toContain('ignored vite.network');
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['none']);
  });

  it("a .shim.json owned by someone else is refused, one you own is used", async () => {
    const w = createWorld();
    const file = writeProject(w, { fmt: { tool: 'npm:prettier' } });
    fs.chownSync(file, 54321, 54321);
    const refused = await w.shim(['run', 'fmt']);
    expectExit(refused, 127);
    expect(refused.stderr).toContain(`ignoring ${file}: it is owned by uid 54321, not by you`);
    const trust = await w.shim(['trust']);
    expectExit(trust, 125);
    // positive control
    fs.chownSync(file, process.getuid!(), process.getgid!());
    expectExit(await w.shim(['run', 'fmt']), 0);
  });

  it('`shim trust` outside any project is a usage error', async () => {
    const w = createWorld();
    const out = await w.shim(['trust']);
    expectExit(out, 2);
    expect(out.stderr).toContain('no .shim.json in');
  });
});
