// Issue 16 item 2: no value of a tool's variables on any process's command line. While a tool holding
// a configured secret and a passed-through one runs (it waits on its stdin), the command line of every
// process on the host is read (as root, like any local user could for /proc/<pid>/cmdline) and must
// hold neither value; the container prints both (positive control: they did arrive), and a marker that
// is on argv on purpose (the tool's own argument) is found by the same scan (the scan sees the runtime
// client and the container). A host variable of the same name as a configured one never gets in. On
// podman the create command it records (`podman inspect`) is checked too, for a cold and a warm start.
import fs from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createSandbox, removeSandbox, removeToolVolumes, waitForOutput, type Flavour, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
/** Multi-line on purpose: the value must arrive whole. */
const CONFIGURED = `cfg-secret-${tag}\nline2-${tag}`;
const FROM_HOST = `host-secret-${tag}`;
/** The host's own API_TOKEN, which must not reach the tool (its config sets another). */
const HOST_SAME_NAME = `host-same-name-${tag}`;
const MARKER = `argv-marker-${tag}`;
const SCRIPT = 'printf "ready:%s:%s:end\\n" "$API_TOKEN" "$NPM_TOKEN"; read -r _; echo done';

/** Every process's command line on the host, by pid (processes that end while being read are skipped). */
function allCmdlines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.set(Number(entry), fs.readFileSync(`/proc/${entry}/cmdline`).toString('utf8').replaceAll('\0', ' '));
    } catch {
      // gone already
    }
  }
  return out;
}

const holding = (text: string, lines: Map<number, string>) => [...lines].filter(([, l]) => l.includes(text)).map(([pid, l]) => `${pid}: ${l.slice(0, 300)}`);

describe.each<Flavour>(['podman', 'docker'])('secret values never on a command line (%s)', (flavour) => {
  let sb: Sandbox;
  const COLD = `secargv-${tag}`;
  const WARM = `secwarm-${tag}`;
  const tool = { tool: 'npm:cowsay', command: 'sh', env: { API_TOKEN: CONFIGURED }, env_passthrough: ['NPM_TOKEN'], secrets: ['API_TOKEN', 'NPM_TOKEN'] };

  beforeAll(async () => {
    sb = await createSandbox(flavour, { [COLD]: tool, [WARM]: { ...tool, warm: true, warm_idle: '10m' } });
  });

  afterAll(async () => {
    if (sb) {
      await sb.run(['shim', 'stop']);
      await removeToolVolumes(sb, [COLD, WARM]);
    }
    removeSandbox(sb);
  });

  /** Starts the tool with stdin piped (the tool waits on it), returns once it printed its values. */
  async function startHeld(name: string) {
    const child = execa(process.execPath, [SHIM, 'run', name, '-c', SCRIPT, MARKER], {
      cwd: sb.project,
      env: { ...sb.env, NPM_TOKEN: FROM_HOST, API_TOKEN: HOST_SAME_NAME },
      extendEnv: false,
      reject: false,
      stdin: 'pipe',
    });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // a tool that ends before it is ready fails the test with its stderr (instead of waiting forever)
    const ended = child.then((r) => Promise.reject(new Error(`${name} ended before it was ready (exit ${r.exitCode}): ${String(r.stderr)}`)));
    await Promise.race([waitForOutput(child, ':end\n'), ended]);
    ended.catch(() => {});
    return { child, stdout: () => stdout };
  }

  async function finish(held: Awaited<ReturnType<typeof startHeld>>) {
    held.child.stdin!.end('go\n');
    const r = await held.child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(held.stdout()).toContain('done\n');
    return r;
  }

  it.each([['cold', COLD], ['warm', WARM]])('%s run: no process holds a value on its command line; the tool gets both, not the host\'s same-name one', async (_how, name) => {
    // the installs happen on a first run, outside the scan
    const held = await startHeld(name);
    const lines = allCmdlines();
    // positive control of the scan: the tool's own argument is on shim's argv and the container's, and on
    // the runtime client's for a cold run (a warm call has none: the container's keeper runs it)
    const withMarker = holding(MARKER, lines);
    const client = (l: string) => l.includes(`/${flavour} `);
    const shim = (l: string) => l.includes('shim.js');
    expect(withMarker.some(shim), withMarker.join('\n')).toBe(true);
    expect(withMarker.some(client), withMarker.join('\n')).toBe(name === COLD);
    expect(withMarker.some((l) => !client(l) && !shim(l)), withMarker.join('\n')).toBe(true);
    expect(holding(`cfg-secret-${tag}`, lines)).toEqual([]);
    expect(holding(`line2-${tag}`, lines)).toEqual([]);
    expect(holding(FROM_HOST, lines)).toEqual([]);
    // positive control: the values arrived whole, and the configured one, not the host's of that name
    expect(held.stdout()).toContain(`ready:${CONFIGURED}:${FROM_HOST}:end\n`);
    expect(held.stdout()).not.toContain(HOST_SAME_NAME);
    const r = await finish(held);
    expect(String(r.stderr)).not.toContain(`cfg-secret-${tag}`);
  });

  it('the create command the runtime records holds no value (bare --env NAME), but shim\'s constants', async () => {
    for (const name of [COLD, WARM]) {
      // no warm container is live: this call starts the one inspected below
      expect((await sb.run(['shim', 'stop'])).exitCode).toBe(0);
      const held = await startHeld(name);
      const ps = await sb.runtime(['ps', '--quiet', '--filter', `label=io.shim.tool=${name}`]);
      const ids = ps.stdout.trim().split('\n').filter(Boolean);
      // podman records the client's argv; docker keeps the container's Args and Env apart (the env is
      // then where the value belongs, Args must not hold it)
      const format = flavour === 'podman' ? '{{json .Config.CreateCommand}}' : '{{json .Args}}\t{{json .Config.Env}}';
      const inspected = await sb.runtime(['inspect', '--format', format, ...ids]);
      await finish(held);
      expect(ids.length, ps.stderr).toBeGreaterThan(0);
      expect(inspected.exitCode, inspected.stderr).toBe(0);
      if (flavour === 'docker') {
        // positive control: the container's env holds the value; its Args do not
        const [args, env] = inspected.stdout.trim().split('\t');
        expect(env).toContain(FROM_HOST);
        expect(args).not.toContain(FROM_HOST);
        continue;
      }
      // positive control: the recorded command is the client's argv, with shim's own NAME=value constants
      expect(inspected.stdout).toContain('HOME=/home/shim');
      expect(inspected.stdout).toContain('"--env","API_TOKEN"');
      expect(inspected.stdout).not.toContain(`cfg-secret-${tag}`);
      expect(inspected.stdout).not.toContain(FROM_HOST);
    }
  });

  it('--dry-run, SHIM_DEBUG and explain print no value', async () => {
    const env = { NPM_TOKEN: FROM_HOST };
    const dry = await sb.run(['shim', 'run', '--dry-run', COLD], { env });
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    // positive control: the names are there
    expect(String(dry.stdout)).toContain('--env NPM_TOKEN --env API_TOKEN');
    const debug = await sb.run(['shim', 'run', COLD, '-c', 'echo "$API_TOKEN" | wc -l'], { env: { ...env, SHIM_DEBUG: '1' } });
    expect(debug.exitCode, String(debug.stderr)).toBe(0);
    expect(String(debug.stdout)).toBe('2\n');
    const explained = await sb.run(['shim', 'explain', COLD], { env });
    for (const text of [dry.stdout, dry.stderr, debug.stderr, explained.stdout, explained.stderr].map(String)) {
      expect(text).not.toContain(`cfg-secret-${tag}`);
      expect(text).not.toContain(FROM_HOST);
    }
  });
});
