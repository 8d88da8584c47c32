import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEngineConfig, podmanConfFiles, scanToml } from '../../src/facts/engine-config.js';
import { checkPodmanConfig, findPodmanLeaks, planDockerConfig } from '../../src/plan/engine-config.js';
import { runtimeEnv } from '../../src/plan/runtime-env.js';
import { engineConfigCheck } from '../../src/doctor/checks.js';

const podman = (text: string, file = '/etc/containers/containers.conf') => ({ files: [file], entries: scanToml(text, file), unreadable: [] });

describe('scanToml', () => {
  it('reads tables, keys, multi-line arrays, strings and comments', () => {
    const text = '# top\n[containers]\nvolumes = [ # why\n  "/a:/b", # c\n  "/c:/d",\n]\nenv=["X=]#"]\n\n[engine]\nruntime = "runc" # r\n[engine.runtimes]\nrunc = ["/usr/bin/runc"]\nhelp = """multi\nline"""\n';
    expect(scanToml(text, 'f').map((e) => [e.table, e.key, e.value.replace(/\s+/g, ' ')])).toEqual([
      ['containers', 'volumes', '[ "/a:/b", "/c:/d", ]'],
      ['containers', 'env', '["X=]#"]'],
      ['engine', 'runtime', '"runc"'],
      ['engine.runtimes', 'runc', '["/usr/bin/runc"]'],
      ['engine.runtimes', 'help', '"""multi\nline"""'.replace(/\s+/g, ' ')],
    ]);
  });

  it('throws on what it cannot read (the file is then reported, fail closed)', () => {
    expect(() => scanToml('[containers]\nvolumes = ["/a"\n', 'f')).toThrow(/unbalanced/);
    expect(() => scanToml('what\n', 'f')).toThrow(/cannot read the line/);
  });

  it("reads this machine's own containers.conf files", () => {
    for (const f of ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf'].filter((x) => fs.existsSync(x))) {
      expect(() => scanToml(fs.readFileSync(f, 'utf8'), f)).not.toThrow();
    }
  });
});

describe('findPodmanLeaks', () => {
  it.each([
    ['volumes = ["/srv/secrets:/secrets"]', '[containers] volumes'],
    ['env = ["TOKEN=abc"]', '[containers] env'],
    ['devices = ["/dev/fuse"]', '[containers] devices'],
    ['mounts = ["type=bind,src=/x,dst=/x"]', '[containers] mounts'],
    ['annotations = ["run.oci.keep_original_groups=1"]', '[containers] annotations'],
    ['env_host = true', '[containers] env_host'],
    ['pidns = "host"', '[containers] pidns'],
    ['netns = "host"', '[containers] netns'],
  ])('names the file and key of %s', (line, key) => {
    const leaks = findPodmanLeaks(podman(`[containers]\n${line}\n`, '/tmp/c.conf'));
    expect(leaks.map((l) => [l.file, l.key])).toEqual([['/tmp/c.conf', key]]);
  });

  it.each(['volumes = []', 'env = [ ]', 'env_host = false', 'pidns = "private"', 'default_ulimits = ["nofile=8192:8192"]', 'dns_options = ["timeout:1"]'])('lets %s through', (line) => {
    expect(findPodmanLeaks(podman(`[containers]\n${line}\n`))).toEqual([]);
  });

  it('ignores the same keys in other tables', () => {
    expect(findPodmanLeaks(podman('[engine]\nenv = ["HTTP_PROXY=x"]\nvolumes = ["/a"]\n'))).toEqual([]);
  });

  it('refuses with every file and key, and a file it cannot read', () => {
    const facts = { files: ['/a', '/b'], entries: [...scanToml('[containers]\nvolumes=["/x:/x"]\n', '/a'), ...scanToml('[containers]\nenv=["A=1"]\n', '/b')], unreadable: [{ file: '/c', reason: 'unbalanced brackets' }] };
    expect(() => checkPodmanConfig(facts)).toThrow(/\/c: unbalanced brackets[\s\S]*\/a: \[containers\] volumes = \["\/x:\/x"\][\s\S]*\/b: \[containers\] env = \["A=1"\]/);
    expect(() => checkPodmanConfig(podman('[containers]\nvolumes=[]\n'))).not.toThrow();
  });
});

describe('podmanConfFiles', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-conf-')));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, '.config', 'containers', 'containers.conf.d'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.config', 'containers', 'containers.conf'), '');
  fs.writeFileSync(path.join(dir, '.config', 'containers', 'containers.conf.d', '10-x.conf'), '');
  fs.writeFileSync(path.join(dir, 'only.conf'), '[containers]\nenv=["A=1"]\n');

  it("reads CONTAINERS_CONF alone when set, else the system files and the user's with drop-ins", () => {
    expect(podmanConfFiles({ CONTAINERS_CONF: path.join(dir, 'only.conf') }, dir, 1000)).toEqual([path.join(dir, 'only.conf')]);
    const files = podmanConfFiles({}, dir, 1000);
    expect(files.slice(-2)).toEqual([path.join(dir, '.config/containers/containers.conf'), path.join(dir, '.config/containers/containers.conf.d/10-x.conf')]);
    expect(loadEngineConfig({ CONTAINERS_CONF: path.join(dir, 'only.conf') }, dir, 0).podman.entries).toEqual([{ file: path.join(dir, 'only.conf'), table: 'containers', key: 'env', value: '["A=1"]' }]);
  });
});

describe('planDockerConfig', () => {
  const facts = { dir: '/h/.docker', config: { auths: {}, currentContext: 'rootless', proxies: { default: { httpProxy: 'http://u:p@proxy:3128' } } }, entries: ['config.json', 'contexts', 'cli-plugins'] };

  it('is nothing without proxies', () => {
    expect(planDockerConfig(undefined, '/s')).toBeUndefined();
    expect(planDockerConfig({ ...facts, config: { auths: {} } }, '/s')).toBeUndefined();
  });

  it("copies the user's config without proxies and links the rest of the directory", () => {
    const o = planDockerConfig(facts, '/s')!;
    expect(JSON.parse(o.configJson)).toEqual({ auths: {}, currentContext: 'rootless' });
    expect(o.links).toEqual([
      { path: '/s/contexts', target: '/h/.docker/contexts' },
      { path: '/s/cli-plugins', target: '/h/.docker/cli-plugins' },
    ]);
    expect(runtimeEnv({ PATH: '/bin', DOCKER_CONFIG: '/h/.docker' }, { DOCKER_CONFIG: o.dir }).DOCKER_CONFIG).toBe('/s');
  });
});

describe('doctor: engine-config', () => {
  const rt = (name: 'podman' | 'docker') => ({ found: true as const, name, path: `/usr/bin/${name}` });
  const clean = { podman: { files: ['/etc/containers/containers.conf'], entries: [], unreadable: [] } };

  it('fails on podman naming the file and key, passes when clean', () => {
    const bad = { podman: podman('[containers]\nvolumes = ["/srv:/srv"]\n', '/etc/containers/containers.conf.d/50-x.conf') };
    const c = engineConfigCheck(bad, rt('podman'));
    expect(c.status).toBe('fail');
    expect(c.message).toContain('/etc/containers/containers.conf.d/50-x.conf: [containers] volumes');
    expect(engineConfigCheck(clean, rt('podman')).status).toBe('pass');
  });

  it("reports docker's proxies as neutralised, and skips without a runtime", () => {
    const c = engineConfigCheck({ ...clean, docker: { dir: '/h/.docker', config: { proxies: {} }, entries: ['config.json'] } }, rt('docker'));
    expect(c).toMatchObject({ status: 'pass', message: expect.stringContaining('/h/.docker/config.json has "proxies"') });
    expect(engineConfigCheck(clean, { found: false, reason: 'none' }).status).toBe('skip');
  });
});
