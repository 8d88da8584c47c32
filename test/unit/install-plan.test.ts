import { describe, it, expect } from 'vitest';
import { buildInstallPlan, parseInstallOutput, INSTALL_HELPER } from '../../src/plan/install-plan.js';
import { resolveInstallLimits } from '../../src/plan/limits.js';
import { IMAGE, VOLUME, afterImage, beforeImage, docker, installInputs, makeHost, makeTool, rootfulPodman, rootlessPodman, valuesOf } from './fixtures.js';

const plan = (o: Parameters<typeof installInputs>[0] = {}) => buildInstallPlan(installInputs(o));

describe('buildInstallPlan', () => {
  it('uses the common base flags and an install container name', () => {
    const p = plan({ runId: 'abc' });
    expect(p.argv.slice(0, 4)).toEqual(['run', '--rm', '--pull=never', '--name']);
    expect(p.containerName).toBe('shim-install-eslint-abc');
    expect(valuesOf(p.argv, '--name')).toEqual(['shim-install-eslint-abc']);
    expect(p.cleanupArgv).toEqual(['rm', '--force', 'shim-install-eslint-abc']);
    expect(p.argv).toContain('--cap-drop=all');
    expect(p.argv).toContain('--read-only');
  });

  it('labels the install container with its setup', () => {
    expect(plan().argv.join(' ')).toContain('--label io.shim.setup=5e7u9000000a');
  });

  it('mounts the tool volume read-write at /mise, its own cache, and the proxy socket directory read-only', () => {
    const p = plan({ runId: 'r1' });
    expect(valuesOf(p.argv, '--mount')).toEqual([
      `type=volume,src=${VOLUME},dst=/mise`,
      'type=volume,src=shim-cache-eslint-5e7u9000000a,dst=/mise/cache',
      `type=bind,src=${p.proxy.socketDir},dst=/run/shim,ro`,
      'type=bind,src=/tmp/shim-lifeline-1000-r1,dst=/run/shim-lifeline,ro',
    ]);
  });

  it('gives every tool its own cache, isolated or not (isolated has no effect)', () => {
    for (const isolated of [true, false]) {
      expect(valuesOf(plan({ tool: makeTool({ isolated }) }).argv, '--mount')[1]).toBe('type=volume,src=shim-cache-eslint-5e7u9000000a,dst=/mise/cache');
      expect(valuesOf(plan({ tool: makeTool({ name: 'prettier', isolated }) }).argv, '--mount')[1]).toBe('type=volume,src=shim-cache-prettier-5e7u9000000a,dst=/mise/cache');
    }
  });

  it('puts the install limits before the image, and none without them', () => {
    const limits = resolveInstallLimits(makeTool({ limits: { memory: '512m', cpus: 2 } }), {}, true);
    const p = plan({ limits });
    const before = p.argv.slice(0, p.argv.indexOf(IMAGE));
    expect(before).toEqual(expect.arrayContaining(['--memory=512m', '--memory-swap=512m', '--cpus=2', '--pids-limit=4096']));
    expect(p.limits?.timeoutMs).toBe(600_000);
    expect(plan().argv.filter((a) => /^--(memory|cpus|pids-limit)/.test(a))).toEqual([]);
  });

  it('has no network of its own, whatever the tool\'s: only its registry, through the proxy', () => {
    for (const tool of [makeTool({ network: 'none' }), makeTool({ network: 'bridge' }), makeTool({ allowed_hosts: ['example.org'] })]) {
      const p = plan({ tool });
      expect(valuesOf(p.argv, '--network')).toEqual(['none']);
      expect(p.proxy.allowedHosts).toEqual(['registry.npmjs.org']);
      expect(valuesOf(p.argv, '--env')).toContain('HTTPS_PROXY=http://127.0.0.1:3128');
    }
  });

  it('reaches exactly settings.json install_hosts when set, and refuses a backend it knows no registry for', () => {
    expect(plan({ installHosts: ['npm.example.com'] }).proxy.allowedHosts).toEqual(['npm.example.com']);
    expect(() => plan({ tool: makeTool({ tool: 'ubi:owner/repo' }) })).toThrow(/does not know which hosts the install of a "ubi" tool/);
    expect(plan({ tool: makeTool({ tool: 'ubi:owner/repo' }), installHosts: ['github.com'] }).proxy.allowedHosts).toEqual(['github.com']);
  });

  it('has no project mounts, ports, passthrough, configured env or podman_args', () => {
    const tool = makeTool({
      mounts: [{ src: '.', dst: '/workspace' }],
      ports: ['8080:80'],
      network: 'bridge',
      env_passthrough: ['TERM'],
      env: { NPM_TOKEN: 'secret' },
      podman_args: ['--memory=1g'],
    });
    const argv = plan({ tool, host: makeHost({}, { TERM: 'xterm' }) }).argv;
    // the only bind mounts are the proxy's socket directory and the lifeline's
    expect(argv.filter((a) => a.includes('type=bind'))).toEqual([
      expect.stringMatching(/^type=bind,src=\/tmp\/shim-egress-[^,]+,dst=\/run\/shim,ro$/),
      expect.stringMatching(/^type=bind,src=\/tmp\/shim-lifeline-[^,]+,dst=\/run\/shim-lifeline,ro$/),
    ]);
    expect(argv).not.toContain('--publish');
    expect(argv).not.toContain('--memory=1g');
    expect(valuesOf(argv, '--env').filter((e) => !/proxy=/i.test(e) && !e.startsWith('NODE_USE_ENV_PROXY=') && !e.startsWith('NODE_OPTIONS='))).toEqual(['HOME=/home/shim', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });

  it('works in /tmp, never a project directory', () => {
    expect(valuesOf(plan({ tool: makeTool({ workdir: '/src' }) }).argv, '--workdir')).toEqual(['/tmp']);
  });

  it('is never interactive', () => {
    const argv = plan({ host: makeHost({ stdinIsTTY: true, stdoutIsTTY: true }) }).argv;
    expect(argv).not.toContain('-it');
    expect(argv).not.toContain('-i');
  });

  it('invokes the helper with the spec to install, the name, the install id and the minimum age', () => {
    const argv = plan({ tool: makeTool({ tool: 'npm:@scope/pkg@1.2.3' }), installSpec: 'npm:@scope/pkg@1.2.3' }).argv;
    expect(afterImage(argv)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', '/usr/local/libexec/shim/with-proxy', INSTALL_HELPER, 'npm:@scope/pkg@1.2.3', 'npm:@scope/pkg', 'inst42', '3d']);
  });

  it('installs the locked version when told to, keeping the name of the configured spec', () => {
    const argv = plan({ tool: makeTool({ tool: 'cargo:ripgrep' }), installSpec: 'cargo:ripgrep@14.1.0', minReleaseAge: '' }).argv;
    expect(afterImage(argv)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', '/usr/local/libexec/shim/with-proxy', INSTALL_HELPER, 'cargo:ripgrep@14.1.0', 'cargo:ripgrep', 'inst42', '']);
  });

  it('rootless podman runs without --user', () => {
    expect(plan({ runtime: rootlessPodman() }).argv).not.toContain('--user');
  });

  it.each([
    ['rootful podman', rootfulPodman()],
    ['docker', docker()],
  ])('%s runs as the invoking user', (_n, runtime) => {
    expect(valuesOf(plan({ runtime, host: makeHost({ uid: 42, gid: 43 }) }).argv, '--user')).toEqual(['42:43']);
  });

  it('mounts the CA bundle and sets the CA variables when a bundle is given', () => {
    const argv = plan({ caBundle: '/etc/ca.pem' }).argv;
    expect(valuesOf(argv, '--mount')).toContain('type=bind,src=/etc/ca.pem,dst=/etc/shim/ca-bundle.crt,ro');
    expect(valuesOf(argv, '--env')).toContain('NODE_EXTRA_CA_CERTS=/etc/shim/ca-bundle.crt');
  });

  it('records the spec and ends the options with the image', () => {
    const p = plan();
    expect(p.spec).toBe('npm:eslint@9.12.0');
    expect(p.tool).toBe('eslint');
    expect(beforeImage(p.argv).at(-1)).toMatch(/^(PATH=|HOME=|NODE_USE_ENV_PROXY=|NODE_OPTIONS=)/);
    expect(p.argv).toContain(IMAGE);
    expect(p.display.startsWith('/usr/bin/podman run ')).toBe(true);
  });
});

describe('parseInstallOutput', () => {
  const manifest = { spec: 'npm:eslint', version: '9.12.0', binPaths: ['/mise/installs/a/bin', '', '/mise/installs/b/bin'], installId: 'x', commands: ['eslint'], packages: { globals: '15.0.0' }, skippedScripts: ['esbuild'] };

  it('parses the manifest line: version, bin paths (empty ones dropped), commands, packages, skipped scripts', () => {
    expect(parseInstallOutput(`${JSON.stringify(manifest)}\n`)).toEqual({
      version: '9.12.0',
      binPaths: ['/mise/installs/a/bin', '/mise/installs/b/bin'],
      commands: ['eslint'],
      packages: { globals: '15.0.0' },
      skippedScripts: ['esbuild'],
      packageChoices: [],
    });
  });

  it('keeps the companions picked for the tool\'s version, and drops any entry that is not plain names and ranges', () => {
    const choice = { name: 'stylelint-config-standard', version: '36.0.1', newest: '41.1.0', newestNeeds: 'stylelint ^18.0.0' };
    const out = parseInstallOutput(JSON.stringify({ ...manifest, packageChoices: [choice, { ...choice, newestNeeds: 'x\u001b]0;owned\u0007' }, { name: 'y' }] }));
    expect(out?.packageChoices).toEqual([choice]);
  });

  it('uses the last line', () => {
    expect(parseInstallOutput(`noise\nmore noise\n${JSON.stringify({ version: '1.0.0', binPaths: ['/x/bin'] })}\n`)).toEqual({ version: '1.0.0', binPaths: ['/x/bin'], commands: [], packages: {}, skippedScripts: [], packageChoices: [] });
  });

  it.each(['', '\n', 'just-a-version', '1.0.0\t/x/bin', '{"version":""}', '{"version":"1","binPaths":"x"}'])('returns undefined for malformed output %j', (out) => {
    expect(parseInstallOutput(out)).toBeUndefined();
  });
});

describe('buildInstallPlan: companion packages, install scripts and hosts', () => {
  const envOf = (p: ReturnType<typeof plan>) => Object.fromEntries(valuesOf(p.argv, '--env').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

  it('passes no lists when the tool has none', () => {
    const env = envOf(plan());
    expect(env.SHIM_PACKAGES).toBeUndefined();
    expect(env.SHIM_INSTALL_SCRIPTS).toBeUndefined();
    expect(env.SHIM_NPM_BEFORE).toBeUndefined();
  });

  it('hands the helper the packages and the scripts to run, one per line, and npm --before for resolving companions', () => {
    const p = plan({ tool: makeTool({ install_scripts: ['@anthropic-ai/claude-code'] }), packages: ['@eslint/js@9', 'globals'], npmBefore: '2026-11-29T00:00:00.000Z' });
    expect(envOf(p)).toMatchObject({ SHIM_PACKAGES: '@eslint/js@9\nglobals', SHIM_INSTALL_SCRIPTS: '@anthropic-ai/claude-code', SHIM_NPM_BEFORE: '2026-11-29T00:00:00.000Z' });
  });

  it('lets the install reach the tool\'s install_hosts besides its registry', () => {
    expect(plan({ tool: makeTool({ install_hosts: ['storage.googleapis.com'] }) }).proxy.allowedHosts).toEqual(['registry.npmjs.org', 'storage.googleapis.com']);
    expect(plan({ tool: makeTool({ install_hosts: ['cdn.example.com'] }), installHosts: ['mirror.example.com'] }).proxy.allowedHosts).toEqual(['mirror.example.com', 'cdn.example.com']);
  });
});
