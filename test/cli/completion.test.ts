// `shim completion bash|zsh|fish` and the hidden `shim completion --tools`. The scripts are generated
// in-process and checked for syntax (bash -n; zsh -n and fish --no-execute where installed, else a
// structural check that says so in the test name); the bash script is then run for real: sourced
// from the built CLI, with `shim` on PATH a wrapper around bin/shim.js, completing command lines the
// way bash's programmable completion calls it (COMP_WORDS, COMP_CWORD). Session names come from
// records written under the world's state dir (sessions/NAME/meta.json), as `shim run --name` leaves them.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/with-config-files.js';
import { createProgram } from '../../src/cli.js';
import { completionCommand, completionScript } from '../../src/commands/completion.js';
import { COMPLETION_COMMANDS, COMPLETION_SHELLS } from '../../src/commands/completion/spec.js';
import { UsageError } from '../../src/errors.js';
import { createReporter } from '../../src/report.js';
import { makeHost } from '../unit/fixtures.js';
import { createWorld, expectExit, requireBuilt, SHIM, type World } from './helpers.js';

beforeAll(requireBuilt);

const SUBCOMMANDS = ['run', 'list', 'up', 'down', 'ps', 'stop', 'pause', 'resume', 'attach', 'logs', 'shell', 'restart', 'diff', 'apply', 'discard', 'snapshot', 'install', 'rebuild', 'prune', 'explain', 'suggest', 'allow', 'doctor', 'log', 'mcp', 'serve', 'init', 'schema', 'completion', 'trust', 'help'];

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const ZSH = which('zsh');
const FISH = which('fish');

/** Records of sessions as `shim run --name` leaves them: sessions/NAME/meta.json under the state dir. */
function writeSessions(w: World, names: readonly string[]): void {
  for (const name of names) {
    const dir = path.join(w.stateDir, 'sessions', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ name, container: `shim-session-${name}` }));
  }
}

/** An App over a world's config dir, with stdout and stderr captured. */
function inProcess(w: World) {
  const out: string[] = [];
  const err: string[] = [];
  const app = createApp(makeHost({ cwd: w.project, home: w.home }, w.env), createReporter((t) => err.push(t), 0), (t) => out.push(t));
  return { app, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('completionCommand (in process)', () => {
  it('--tools prints the usable tool names, sorted, one per line, and nothing on stderr', () => {
    const w = createWorld();
    w.writeConfig({ prettier: { tool: 'npm:prettier' }, eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('10-more.json', { 'ruff.py': { tool: 'pipx:ruff' } });
    w.writeDropIn('20-broken.json', '{ "cowsay": { "tool": "npm:cowsay", "netwrok": "none" } }');
    const p = inProcess(w);
    expect(completionCommand(p.app, undefined, { tools: true })).toBe(0);
    expect(p.stdout()).toBe('eslint\nprettier\nruff.py\n');
    expect(p.stderr()).toBe('');
  });

  it('--tools with no config, or a broken settings.json, prints nothing and succeeds', () => {
    const w = createWorld();
    const p = inProcess(w);
    expect(completionCommand(p.app, undefined, { tools: true })).toBe(0);
    expect(p.stdout()).toBe('');
    fs.mkdirSync(w.configDir, { recursive: true });
    fs.writeFileSync(path.join(w.configDir, 'settings.json'), '{ nope');
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const q = inProcess(w);
    expect(completionCommand(q.app, 'bash', { tools: true })).toBe(0);
    expect(q.stdout()).toBe('eslint\n');
    expect(q.stderr()).toBe('');
  });

  it('--sessions prints the names of the sessions with a record, sorted, one per line; --tools --sessions both', () => {
    const w = createWorld();
    const none = inProcess(w);
    expect(completionCommand(none.app, undefined, { sessions: true })).toBe(0);
    expect(none.stdout()).toBe('');
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    writeSessions(w, ['web', 'api', 'eslint']);
    fs.mkdirSync(path.join(w.stateDir, 'sessions', 'no-record')); // no meta.json: not a session
    fs.mkdirSync(path.join(w.stateDir, 'sessions', '-bad'), { recursive: true });
    fs.writeFileSync(path.join(w.stateDir, 'sessions', '-bad', 'meta.json'), '{}'); // not a valid name
    const p = inProcess(w);
    expect(completionCommand(p.app, undefined, { sessions: true })).toBe(0);
    expect(p.stdout()).toBe('api\neslint\nweb\n');
    expect(p.stderr()).toBe('');
    const q = inProcess(w);
    expect(completionCommand(q.app, undefined, { tools: true, sessions: true })).toBe(0);
    expect(q.stdout()).toBe('eslint\napi\nweb\n'); // a name both a tool and a session is offered once
  });

  it.each([['powershell'], ['BASH'], [''], [undefined]])('shell %j is a usage error naming bash, zsh and fish', (shell) => {
    const p = inProcess(createWorld());
    let caught: unknown;
    try {
      completionCommand(p.app, shell, {});
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).exitCode).toBe(2);
    expect((caught as UsageError).message).toMatch(/bash, zsh, fish/);
    expect(p.stdout()).toBe('');
  });

  it.each(COMPLETION_SHELLS.map((s) => [s]))('%s: prints the script of completionScript', (shell) => {
    const p = inProcess(createWorld());
    expect(completionCommand(p.app, shell, {})).toBe(0);
    expect(p.stdout()).toBe(completionScript(shell));
  });

  it('the table covers every subcommand', () => {
    expect(COMPLETION_COMMANDS.map((c) => c.name)).toEqual(SUBCOMMANDS);
  });

  it.each(COMPLETION_SHELLS.map((s) => [s]))('%s: names every subcommand and its flags, and takes tool names from `shim completion --tools`', (shell) => {
    const script = completionScript(shell);
    for (const c of COMPLETION_COMMANDS) {
      expect(script).toMatch(new RegExp(`\\b${c.name}\\b`));
      for (const f of c.flags) {
        expect(script).toContain(shell === 'fish' ? `-l ${f.name.slice(2)}` : f.name);
        if (f.short) expect(script).toContain(shell === 'fish' ? `-s ${f.short.slice(1)} -l ${f.name.slice(2)}` : f.short);
      }
    }
    expect(script).toContain(shell === 'fish' ? '-l no-color' : '--no-color');
    expect(script).toContain('command shim completion --tools 2>/dev/null');
    expect(script).toContain('command shim completion --sessions 2>/dev/null');
    expect(script).toContain('command shim completion --tools --sessions 2>/dev/null');
    expect(script).not.toContain('--tools "'); // the hidden flags are never offered as words
    expect(script).not.toMatch(/-l (tools|sessions)\b|--sessions\[/);
  });

  it('the table is in step with the CLI: the same subcommands, options (long and short), and arguments', () => {
    const program = createProgram(inProcess(createWorld()).app, () => {});
    // options only the scripts use, not offered
    const scriptOnly = new Set(['completion --tools', 'completion --sessions']);
    expect(program.commands.find((c) => c.name() === 'completion')!.options.find((o) => o.long === '--sessions')?.hidden).toBe(true);
    const cliCommands = program.commands.map((c) => c.name());
    expect(sorted(cliCommands)).toEqual(sorted(SUBCOMMANDS.filter((n) => n !== 'help')));
    const optionsOf = (c: Command): string[] =>
      [...c.options.flatMap((o) => [o.long, o.short].filter((n): n is string => Boolean(n))), ...c.commands.flatMap(optionsOf)].filter((n) => !scriptOnly.has(`${c.name()} ${n}`));
    for (const spec of COMPLETION_COMMANDS.filter((c) => c.name !== 'help')) {
      const cmd = program.commands.find((c) => c.name() === spec.name)!;
      const offered = spec.flags.flatMap((f) => (f.short ? [f.name, f.short] : [f.name]));
      expect(sorted([...new Set(optionsOf(cmd))]), spec.name).toEqual(sorted(offered));
      // a hidden option is one the scripts use (not in the table)
      for (const o of cmd.options.filter((x) => x.hidden)) expect(scriptOnly.has(`${spec.name} ${o.long}`), `${spec.name} ${o.long}`).toBe(true);
      if (cmd.commands.length) continue; // snapshot: its subcommands' arguments are not completed
      const args = cmd.registeredArguments;
      expect(args.length > 0, `${spec.name} takes arguments`).toBe(spec.positional !== 'none');
      expect(args[0]?.variadic ?? false, `${spec.name}: any number of names`).toBe(spec.positional === 'tools' || spec.positional === 'sessions-tools');
    }
  });
});

// ------------------------------------------------------------------------------------------- syntax

/** Lines with every quoted string closed; fails with the line otherwise. Strings never span lines here. */
function checkQuotes(script: string, shell: 'zsh' | 'fish'): void {
  script.split('\n').forEach((line, n) => {
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quote === "'") {
        // zsh: no escapes in single quotes; fish: \' and \\ are
        if (shell === 'fish' && ch === '\\') i++;
        else if (ch === "'") quote = undefined;
      } else if (quote === '"') {
        if (ch === '\\') i++;
        else if (ch === '"') quote = undefined;
      } else if (ch === '\\') i++;
      else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    }
    expect(quote, `${shell} line ${n + 1} leaves a quote open: ${line}`).toBeUndefined();
  });
}

/** Strips comments and quoted text so keywords can be counted. */
function code(script: string): string[] {
  return script.split('\n').map((l) => l.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''").replace(/(^|\s)#.*$/, '').trim());
}

function checkZshStructure(script: string): void {
  expect(script.startsWith('#compdef shim\n')).toBe(true);
  checkQuotes(script, 'zsh');
  const lines = code(script);
  const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
  expect(count(/^if\b/)).toBe(count(/^fi$/));
  expect(count(/^case\b.*\bin$/)).toBe(count(/^esac$/));
  expect(count(/\{$/)).toBe(count(/^\}$/));
  // every case branch ends with ;; and every continued line continues into a spec or the end of a command
  for (const c of COMPLETION_COMMANDS) expect(script).toContain(`    (${c.name})\n      _arguments`);
  lines.forEach((l, i) => {
    if (l.endsWith('\\')) expect(lines[i + 1], `line ${i + 1} continues into nothing`).toMatch(/^'/);
  });
  for (const fn of ['_shim', '_shim_tools', '_shim_commands']) expect(script).toContain(`\n${fn}() {\n`);
  expect(script).toContain('compdef _shim shim');
}

function checkFishStructure(script: string): void {
  checkQuotes(script, 'fish');
  const lines = code(script).filter(Boolean);
  const opens = lines.filter((l) => /^(function|switch|if|for|while|begin)\b/.test(l)).length;
  expect(opens).toBe(lines.filter((l) => l === 'end').length);
  const defined = new Set([...script.matchAll(/^function (\S+)/gm)].map((m) => m[1]));
  const completes = script.split('\n').filter((l) => l.startsWith('complete '));
  expect(completes.length).toBeGreaterThan(COMPLETION_COMMANDS.length);
  for (const line of completes) {
    expect(line, line).toMatch(/^complete -c shim( -e| -n (?:'[^']*'|\S+)| -[fxF]| -s [a-z]| -l [a-z-]+| -a (?:'[^']*'|\S+)| -d '(?:[^'\\]|\\.)*')*$/);
    // every condition calls a function the script defines (or fish's `not`)
    const cond = /-n (?:'([^']*)'|(\S+))/.exec(line);
    if (cond) {
      for (const part of (cond[1] ?? cond[2]!).split(/;\s*and\s+|\bnot\s+/).map((s) => s.trim().split(/\s+/)[0]).filter(Boolean)) {
        expect(defined.has(part), `${part} in: ${line}`).toBe(true);
      }
    }
  }
  for (const c of COMPLETION_COMMANDS) expect(script).toMatch(new RegExp(`__shim_needs_command -f -a ${c.name} `));
}

describe('syntax', () => {
  it('bash -n accepts the bash script', () => {
    const r = spawnSync('bash', ['-n'], { input: completionScript('bash'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it(ZSH ? 'zsh -n accepts the zsh script, which is also structurally sound' : 'zsh script: structural check only (zsh is not installed here, so zsh -n cannot run)', () => {
    const script = completionScript('zsh');
    checkZshStructure(script);
    if (ZSH) {
      const r = spawnSync(ZSH, ['-n'], { input: script, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it(FISH ? 'fish --no-execute accepts the fish script, which is also structurally sound' : 'fish script: structural check only (fish is not installed here, so fish --no-execute cannot run)', () => {
    const script = completionScript('fish');
    checkFishStructure(script);
    if (FISH) {
      const w = createWorld();
      const file = path.join(w.root, 'shim.fish');
      fs.writeFileSync(file, script);
      const r = spawnSync(FISH, ['--no-execute', file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  if (FISH) {
    it('fish: completes for real (complete -C) with tool names from the CLI', async () => {
      const w = completionWorld();
      writeSessions(w, SESSIONS);
      const file = path.join(w.root, 'shim.fish');
      fs.writeFileSync(file, completionScript('fish'));
      const lines = ['shim r', 'shim run ', 'shim run --', 'shim run eslint --', 'shim explain eslint ', 'shim log --tool ', 'shim completion '];
      const sessionLines = ['shim attach ', 'shim attach web ', 'shim logs -n 5 ', 'shim logs --lines ', 'shim logs -', 'shim shell ', 'shim shell web ', 'shim stop ', 'shim stop web e', 'shim run --name x ', 'shim run -d --name x e', 'shim run --name ', 'shim log --since 1h --tool ', 'shim doctor '];
      lines.push(...sessionLines);
      const cmds = lines.map((l) => `complete -C ${sq(l)} | string replace -r '\\t.*' ''; echo '<<end>>'`).join('; ');
      const r = await execa(FISH!, ['-N', '-c', `source ${sq(file)}; ${cmds}`], { env: { ...w.env, PATH: `${w.env.PATH}:${path.dirname(FISH!)}` }, extendEnv: false, cwd: w.project, reject: false });
      expect(r.stderr).toBe('');
      const blocks = String(r.stdout).split('<<end>>').map((b) => b.split('\n').filter(Boolean).sort());
      expect(blocks.slice(0, lines.length)).toEqual([
        ['rebuild', 'restart', 'resume', 'run'],
        TOOLS,
        ['--detach', '--dry-run', '--json', '--name', '--no-color', '--worktree'],
        [],
        [],
        TOOLS,
        ['bash', 'fish', 'zsh'],
        SESSIONS,
        [],
        SESSIONS,
        [],
        // fish offers a short option with its long form
        ['--follow', '--help', '--json', '--lines', '--no-color', '--raw', '-f', '-n'],
        SESSIONS,
        [],
        sorted([...TOOLS, ...SESSIONS]),
        ['eslint'],
        TOOLS,
        ['eslint'],
        [],
        TOOLS,
        TOOLS,
      ]);
    });
  }

  it('the structural checks catch broken scripts', () => {
    expect(() => checkZshStructure(completionScript('zsh').replace(/\n\s*esac\n/, '\n'))).toThrow();
    expect(() => checkZshStructure(completionScript('zsh').replace("'1:tool:_shim_tools'", "'1:tool:_shim_tools"))).toThrow();
    expect(() => checkFishStructure(completionScript('fish').replace(/\n\s*end\n/, '\n'))).toThrow();
    expect(() => checkFishStructure(completionScript('fish').replace('__shim_run_needs_tool -f -a', '__shim_nope -f -a'))).toThrow();
  });
});

// --------------------------------------------------------------------------------- bash, for real

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A world with a `shim` wrapper first on PATH and eslint, prettier and ruff configured. */
function completionWorld(): World {
  const w = createWorld();
  const dir = path.join(w.root, 'wrapper');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'shim'), `#!/bin/sh\nexec ${sq(process.execPath)} ${sq(SHIM)} "$@"\n`, { mode: 0o755 });
  w.env.PATH = `${dir}:${w.env.PATH}`;
  w.writeConfig({ eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier' }, ruff: { tool: 'pipx:ruff' } });
  fs.mkdirSync(path.join(w.project, 'src'));
  fs.mkdirSync(path.join(w.project, 'spec'));
  fs.writeFileSync(path.join(w.project, 'setup.cfg'), '');
  return w;
}

/** Completes each command line (its words; the last is the word being completed) in one bash that
 *  loaded the script with `source <(shim completion bash)`, or from `scriptFile`. */
async function complete(w: World, lines: readonly (readonly string[])[], scriptFile?: string): Promise<string[][]> {
  const load = scriptFile ? `source ${sq(scriptFile)}` : 'source <(shim completion bash)';
  const body = lines
    .map((words) => `COMP_WORDS=(${words.map(sq).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE=${sq(words.join(' '))}; COMPREPLY=(); _shim_complete; printf '%s\\n' "\${COMPREPLY[@]}"; echo '<<end>>'`)
    .join('\n');
  const r = await execa('bash', ['-c', `set -u\n${load} || exit 9\n${body}`], { env: w.env, extendEnv: false, cwd: w.project, reject: false });
  expect(r.stderr, `bash stderr`).toBe('');
  expect(r.exitCode).toBe(0);
  const blocks = String(r.stdout).split('<<end>>');
  expect(blocks.pop()!.trim()).toBe('');
  expect(blocks).toHaveLength(lines.length);
  return blocks.map((b) => b.split('\n').filter(Boolean).sort());
}

const sorted = (a: readonly string[]) => [...a].sort();
const TOOLS = ['eslint', 'prettier', 'ruff'];
const SESSIONS = ['api', 'web'];

describe('bash completion, run for real', () => {
  it('`shim completion bash` prints the script and registers _shim_complete for shim', async () => {
    const w = completionWorld();
    const out = await w.shim(['completion', 'bash']);
    expectExit(out, 0);
    expect(out.stdout).toBe(completionScript('bash'));
    expect(out.stderr).toBe('');
    const r = await execa('bash', ['-c', 'source <(shim completion bash) && complete -p shim'], { env: w.env, extendEnv: false, reject: false });
    expect(r.stdout.trim()).toBe('complete -F _shim_complete shim');
  });

  it('`shim completion --tools` prints one tool name per line; an unknown shell exits 2 naming the shells', async () => {
    const w = completionWorld();
    const out = await w.shim(['completion', '--tools']);
    expectExit(out, 0);
    expect(out.stdout).toBe('eslint\nprettier\nruff\n');
    const bad = await w.shim(['completion', 'tcsh']);
    expectExit(bad, 2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('bash, zsh, fish');
  });

  it('subcommands and shim\'s global flags', async () => {
    const w = completionWorld();
    const [all, r, flags, afterGlobal, help] = await complete(w, [['shim', ''], ['shim', 'r'], ['shim', '--'], ['shim', '--no-color', 'r'], ['shim', 'help', 'ex']]);
    expect(all).toEqual(sorted(SUBCOMMANDS));
    expect(r).toEqual(['rebuild', 'restart', 'resume', 'run']);
    expect(flags).toEqual(['--help', '--no-color', '--version']);
    expect(afterGlobal).toEqual(['rebuild', 'restart', 'resume', 'run']);
    expect(help).toEqual(['explain']);
  });

  it('run: its flags and tool names before the tool, nothing of shim\'s after it', async () => {
    const w = completionWorld();
    const got = await complete(w, [
      ['shim', 'run', ''],
      ['shim', 'run', 'e'],
      ['shim', 'run', '--'],
      ['shim', 'run', '--dry-run', ''],
      ['shim', '--no-color', 'run', '--json', 'pr'],
      ['shim', 'run', 'eslint', ''],
      ['shim', 'run', 'eslint', '--'],
      ['shim', 'run', 'eslint', 'r'],
      ['shim', 'run', '--dry-run', 'eslint', '--fix', '--j'],
      ['shim', 'run', '--', 'eslint', ''],
    ]);
    expect(got).toEqual([TOOLS, ['eslint'], ['--detach', '--dry-run', '--json', '--name', '--no-color', '--worktree'], TOOLS, ['prettier'], [], [], [], [], []]);
  });

  it('explain, install and log --tool complete tool names; flags per subcommand', async () => {
    const w = completionWorld();
    const got = await complete(w, [
      ['shim', 'explain', ''],
      ['shim', 'explain', 'eslint', ''],
      ['shim', 'explain', '--'],
      ['shim', 'install', ''],
      ['shim', 'install', 'eslint', 'p'],
      ['shim', 'install', '--'],
      ['shim', 'log', '--tool', ''],
      ['shim', 'log', '--tool', '=', 'r'],
      ['shim', 'log', '--since', ''],
      ['shim', 'log', '--tool', 'eslint', '--'],
      ['shim', 'list', '--'],
      ['shim', 'doctor', '--j'],
      ['shim', 'prune', '--a'],
      ['shim', 'mcp', '--'],
      ['shim', 'completion', ''],
      ['shim', 'completion', 'bash', ''],
      ['shim', 'up', ''],
    ]);
    expect(got).toEqual([
      TOOLS,
      [],
      ['--help', '--json', '--no-color'],
      TOOLS,
      ['prettier'],
      ['--force', '--help', '--no-color', '--upgrade'],
      TOOLS,
      ['ruff'],
      [],
      ['--help', '--json', '--no-color', '--since', '--tool'],
      ['--help', '--json', '--no-color'],
      ['--json'],
      ['--all'],
      ['--help', '--no-color', '--root'],
      ['bash', 'fish', 'zsh'],
      [],
      [],
    ]);
  });

  it('suggest and allow complete a tool name first, then no tool names (allow takes hosts)', async () => {
    const w = completionWorld();
    const got = await complete(w, [
      ['shim', 'suggest', ''],
      ['shim', 'suggest', 'eslint', ''],
      ['shim', 'suggest', '--'],
      ['shim', 'allow', ''],
      ['shim', 'allow', 'eslint', ''],
      ['shim', 'allow', '--'],
    ]);
    expect(got).toEqual([TOOLS, [], ['--help', '--json', '--no-color', '--since'], TOOLS, [], ['--force', '--help', '--json', '--no-color']]);
  });

  it('attach, logs and shell complete one session name; stop completes session and tool names', async () => {
    const w = completionWorld();
    writeSessions(w, SESSIONS);
    const got = await complete(w, [
      ['shim', 'attach', ''],
      ['shim', 'attach', 'w'],
      ['shim', 'attach', 'web', ''],
      ['shim', 'attach', '--'],
      ['shim', 'logs', ''],
      ['shim', 'logs', '-f', 'a'],
      ['shim', 'logs', '-n', ''],
      ['shim', 'logs', '--lines', '=', ''],
      ['shim', 'logs', '-n', '5', ''],
      ['shim', 'logs', '--lines', '5', ''],
      ['shim', 'logs', 'web', ''],
      ['shim', 'logs', '--'],
      ['shim', 'logs', '-'],
      ['shim', 'shell', ''],
      ['shim', 'shell', 'web', ''],
      ['shim', 'shell', 'web', '--', ''],
      ['shim', 'stop', ''],
      ['shim', 'stop', 'web', 'e'],
      ['shim', 'stop', 'a'],
      ['shim', 'ps', '--'],
    ]);
    expect(got).toEqual([
      SESSIONS,
      ['web'],
      [],
      ['--help', '--no-color'],
      SESSIONS,
      ['api'],
      [],
      [],
      SESSIONS,
      SESSIONS,
      [],
      ['--follow', '--help', '--json', '--lines', '--no-color', '--raw'],
      ['--follow', '--help', '--json', '--lines', '--no-color', '--raw', '-f', '-n'],
      SESSIONS,
      [],
      [],
      sorted([...TOOLS, ...SESSIONS]),
      ['eslint'],
      ['api'],
      ['--help', '--json', '--no-color'],
    ]);
  });

  it('run --name and -d: the tool name still completes after them (a session name is new: nothing offered)', async () => {
    const w = completionWorld();
    writeSessions(w, SESSIONS);
    const got = await complete(w, [
      ['shim', 'run', '--name', ''],
      ['shim', 'run', '--name', 'x', ''],
      ['shim', 'run', '--name', '=', 'x', 'p'],
      ['shim', 'run', '-d', '--name', 'x', 'e'],
      ['shim', 'run', '--name', 'x', '-d', '--json', ''],
      ['shim', 'run', '--name', 'x', 'eslint', ''],
      ['shim', 'run', '-'],
    ]);
    expect(got).toEqual([[], TOOLS, ['prettier'], ['eslint'], TOOLS, [], ['--detach', '--dry-run', '--json', '--name', '--no-color', '--worktree', '-d']]);
  });

  it('session names are read at completion time, from `shim completion --sessions` (hidden from help)', async () => {
    const w = completionWorld();
    const file = path.join(w.root, 'shim.bash');
    fs.writeFileSync(file, execFileSync(process.execPath, [SHIM, 'completion', 'bash'], { env: w.env }));
    expect(await complete(w, [['shim', 'attach', '']], file)).toEqual([[]]);
    writeSessions(w, ['web']);
    expect(await complete(w, [['shim', 'attach', '']], file)).toEqual([['web']]);
    const out = await w.shim(['completion', '--sessions']);
    expectExit(out, 0);
    expect(out.stdout).toBe('web\n');
    expect(out.stderr).toBe('');
    const both = await w.shim(['completion', '--tools', '--sessions']);
    expect(both.stdout).toBe('eslint\nprettier\nruff\nweb\n');
    const help = await w.shim(['completion', '--help']);
    expect(help.stdout).toContain('--tools');
    expect(help.stdout).not.toContain('--sessions');
  });

  it('mcp --root completes directories', async () => {
    const w = completionWorld();
    const [dirs, s] = await complete(w, [['shim', 'mcp', '--root', ''], ['shim', 'mcp', '--root', 's']]);
    expect(dirs).toEqual(['spec', 'src']);
    expect(s).toEqual(['spec', 'src']);
  });

  it('tool names are read at completion time: a tool added later completes without regenerating the script', async () => {
    const w = completionWorld();
    const file = path.join(w.root, 'shim.bash');
    fs.writeFileSync(file, execFileSync(process.execPath, [SHIM, 'completion', 'bash'], { env: w.env }));
    expect(await complete(w, [['shim', 'run', 'c']], file)).toEqual([[]]);
    w.writeDropIn('10-cowsay.json', { cowsay: { tool: 'npm:cowsay' } });
    expect(await complete(w, [['shim', 'run', 'c'], ['shim', 'run', '']], file)).toEqual([['cowsay'], ['cowsay', ...TOOLS]]);
  });

  it('a broken config file leaves its tools out, silently; the others still complete', async () => {
    const w = completionWorld();
    w.writeDropIn('20-bad.json', '{ "cowsay": { "tool": 1 } ');
    expect(await complete(w, [['shim', 'explain', '']])).toEqual([TOOLS]);
  });
});
