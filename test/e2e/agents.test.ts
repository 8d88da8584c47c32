// The sample's agents as a new user meets them (rootful podman): no key in the environment, each starts
// through its link and draws its first screen in a real terminal; an optional credential that is absent
// leaves the variable unset, one that is present is a placeholder; the tool sees the terminal's TERM and
// COLORTERM; the image has ps; and an ordinary failure of a tool with a skipped install script gets no
// hint (the hint itself, after a failure that is one, is tested in real-tools.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from './harness.js';
import { openTerminal, type Terminal } from './terminal.js';

const tag = Math.random().toString(36).slice(2, 8);
const t = (name: string) => `${name}-${tag}`;
const SAMPLE = parseJsonc(fs.readFileSync(path.join(REPO, 'config.sample.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const AGENTS = ['claude', 'codex', 'gemini', 'opencode'] as const;
/** What each agent's first screen says, with no key and no reachable API (a sign-in or welcome screen). */
const FIRST_SCREEN: Record<(typeof AGENTS)[number], RegExp> = {
  claude: /Welcome to Claude Code/,
  codex: /Welcome to Codex|Sign in with ChatGPT/,
  gemini: /Gemini CLI v\d|Do you trust the files in this folder/,
  // its logo, drawn in block characters, and its prompt
  opencode: /Ask anything|█▀▀█ █▀▀█ █▀▀█ █▀▀▄/,
};
const KEY_VARS = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'OPENAI_API_KEY', 'GEMINI_API_KEY'];
const PRINT_ENV = 'for (const n of ["OPT_KEY", "TERM", "COLORTERM"]) console.log(n + "=" + (process.env[n] ?? "(unset)"))';

const TOOLS = {
  ...Object.fromEntries(AGENTS.map((a) => [t(a), { ...SAMPLE[a], command: a }])),
  // an optional brokered credential, and what the tool sees of its terminal
  [t('env')]: {
    tool: 'npm:cowsay',
    command: 'node',
    allowed_hosts: ['api.example.com'],
    credentials: { OPT_KEY: { from: 'env:SHIM_TEST_OPT_KEY', hosts: ['api.example.com'], optional: true } },
  },
  // tsx installs esbuild, whose postinstall shim skips (esbuild works without it)
  [t('tsx')]: { tool: 'npm:tsx@4', command: 'tsx', mounts: [{ src: '.' }] },
};

describe('the sample agents and first contact (podman)', () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
    // no key of any agent in the environment the links run in
    for (const v of KEY_VARS) expect(sb.env[v], v).toBeUndefined();
  });
  afterAll(async () => {
    await removeToolVolumes(sb, Object.keys(TOOLS));
    const vols = await sb.runtime(['volume', 'ls', '--format', '{{.Name}}']);
    const state = vols.stdout.split('\n').filter((v) => v.includes(tag));
    if (state.length) await sb.runtime(['volume', 'rm', '--force', ...state]);
    removeSandbox(sb);
  });

  it('each agent of the sample prints its version through its link with no key in the environment', async () => {
    for (const a of AGENTS) {
      const r = await sb.run([t(a), '--version']);
      expect(r.stderr, a).not.toMatch(/is not set|credentials\./);
      expect(r.exitCode, `${a}: ${r.stderr}`).toBe(0);
      expect(r.stdout, a).toMatch(/\d+\.\d+\.\d+/);
    }
  });

  it('each agent draws its first screen in a real terminal, with no key', async () => {
    const terms: [string, Terminal][] = [];
    try {
      // all four at once: each starts a session of its own (the sample's "session": true)
      for (const a of AGENTS) terms.push([a, await openTerminal(sb, [t(a)], { cols: 160, rows: 45 })]);
      for (const [a, term] of terms) await term.waitFor(FIRST_SCREEN[a as (typeof AGENTS)[number]], 240_000);
    } finally {
      for (const [, term] of terms) await term.kill();
      for (const a of AGENTS) await sb.run(['shim', 'stop', `${t(a)}-${path.basename(sb.project)}`]);
    }
  });

  it('an optional credential whose source is missing is unset (and explain, doctor and --dry-run say so); one that is set is a placeholder', async () => {
    const absent = await sb.run([t('env'), '-e', PRINT_ENV]);
    expect(absent.exitCode, absent.stderr).toBe(0);
    expect(absent.stdout).toContain('OPT_KEY=(unset)');
    const explain = await sb.run(['shim', 'explain', t('env')]);
    expect(explain.stdout).toContain('unset: OPT_KEY (an optional credential for api.example.com; its source env:SHIM_TEST_OPT_KEY is missing');
    const dry = await sb.run(['shim', 'run', '--dry-run', t('env')]);
    expect(dry.stdout).toContain('# unset: OPT_KEY');
    expect(dry.stdout).not.toContain('OPT_KEY=');
    const doctor = await sb.run(['shim', 'doctor', t('env')]);
    expect(doctor.stdout + doctor.stderr).toMatch(/OPT_KEY is unset \(optional; env:SHIM_TEST_OPT_KEY is missing\)/);
    // control: with its source set, the tool gets the run's placeholder, never the value
    const present = await sb.run([t('env'), '-e', PRINT_ENV], { env: { SHIM_TEST_OPT_KEY: 'real-secret-value' } });
    expect(present.exitCode, present.stderr).toBe(0);
    expect(present.stdout).toMatch(/OPT_KEY=shim-cred-[0-9a-z]+-opt-key\n/);
    expect(present.stdout).not.toContain('real-secret-value');
  });

  it('a required credential that is missing: doctor names it and does not try a run', async () => {
    const required = { ...TOOLS[t('env')], credentials: { OPT_KEY: { from: 'env:SHIM_TEST_OPT_KEY', hosts: ['api.example.com'] } } };
    const dir = path.join(sb.root, 'config', 'shim', 'config.d');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '90-required.json'), JSON.stringify({ [t('env')]: required }));
    try {
      const doctor = await sb.run(['shim', 'doctor', t('env')]);
      const out = doctor.stdout + doctor.stderr;
      expect(out).toMatch(/the required credential OPT_KEY \(from env:SHIM_TEST_OPT_KEY\) has no value here/);
      expect(out).toContain('export SHIM_TEST_OPT_KEY');
      expect(out).not.toMatch(/did not run \(exit -1\)/);
      expect(doctor.exitCode).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the tool on a terminal sees the terminal's TERM (or the nearest the image has) and COLORTERM", async () => {
    const kitty = await openTerminal(sb, [t('env'), '-e', PRINT_ENV], { env: { TERM: 'xterm-kitty', COLORTERM: 'truecolor' } });
    try {
      const screen = await kitty.waitFor(/EXIT=\d+/);
      expect(screen).toContain('TERM=xterm-256color');
      expect(screen).toContain('COLORTERM=truecolor');
    } finally {
      await kitty.kill();
    }
    // control: a TERM the image knows goes in as it is; no COLORTERM on the host, none inside
    const screenTerm = await openTerminal(sb, [t('env'), '-e', PRINT_ENV], { env: { TERM: 'screen-256color' } });
    try {
      const screen = await screenTerm.waitFor(/EXIT=\d+/);
      expect(screen).toContain('TERM=screen-256color');
      expect(screen).toContain('COLORTERM=(unset)');
    } finally {
      await screenTerm.kill();
    }
  });

  it('the image has ps (agents shell out to it)', async () => {
    const r = await sb.run([t('env'), '-e', 'console.log(require("child_process").execFileSync("ps", ["-o", "comm=", "-p", String(process.pid)]).toString().trim())']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('node');
  });

  it('an ordinary exit 1 of a tsx-based tool gets no install-script hint, though esbuild\'s script was skipped', async () => {
    fs.writeFileSync(path.join(sb.project, 'fail.ts'), 'const n: number = 1;\nconsole.error("a test failed");\nprocess.exit(n);\n');
    const install = await sb.run(['shim', 'install', t('tsx')]);
    // control: the install did skip esbuild's postinstall, so a hint would have been possible
    expect(install.stderr).toMatch(/install scripts not run .*esbuild/);
    const r = await sb.run([t('tsx'), 'fail.ts']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('a test failed');
    expect(r.stderr).not.toMatch(/install_scripts|install scripts of/);
  });
});
