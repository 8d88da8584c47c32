// Vetting of a tool's `podman_args` (pure). They are appended right before the image, so one entry
// could undo everything shim decided (`--privileged`, `-v /:/host`, `--network=host`…).
//
// The args are parsed the way podman's and docker's flag parser (pflag) does: `--flag value`,
// `--flag=value`, short flags with attached values (`-v/x:/y`, `-eFOO=1`, `-uroot`, `-e=FOO=1`) and
// clusters (`-it`, `-dit`); a value-taking flag always consumes the next entry, even one starting with
// "-", so `--label --privileged` sets a label and is accepted, exactly as podman would read it.
//
// Which flags are accepted, on what condition, is the table in podman-flags.ts. An unknown long flag, an
// unknown short flag in a cluster, a bare value (podman would take it as the image), `--`, and a
// value-taking flag with nothing after it (it would swallow shim's image) are refused too.
// `"unsafe_podman_args": true` lets everything through, with a warning on every run naming what would
// have been refused.
import type { ResolvedTool } from '../config/merge.js';
import { ConfigError } from '../errors.js';
import { AMBIGUOUS_SHORT, FLAGS, SHORT_FLAGS, UNSAFE, type FlagSpec } from './podman-flags.js';

/** One refused entry of podman_args. */
export interface ArgViolation {
  /** Index in podman_args of the entry holding the flag. */
  index: number;
  /** The flag as normalised (`--cap-add`), or the entry itself when it is no flag. */
  flag: string;
  /** The entries that make up the flag and its value, as written. */
  written: string;
  why: string;
  instead: string;
}

const BOOL_VALUES: Record<string, 'true' | 'false'> = { '1': 'true', t: 'true', T: 'true', true: 'true', TRUE: 'true', True: 'true', '0': 'false', f: 'false', F: 'false', false: 'false', FALSE: 'false', False: 'false' };

/** Parses podman_args as podman would and returns every entry shim refuses (pure). */
export function podmanArgViolations(args: readonly string[]): ArgViolation[] {
  const out: ArgViolation[] = [];
  let i = 0;
  const judge = (index: number, long: string, spec: FlagSpec, written: string, value: string | undefined) => {
    if (spec.value && value === undefined) {
      out.push({ index, flag: `--${long}`, written, why: 'needs a value, and would take shim\'s image as its value', instead: `give it a value (--${long}=…)` });
      return;
    }
    let v = value;
    if (!spec.value) {
      v = value === undefined ? 'true' : BOOL_VALUES[value];
      if (v === undefined) {
        out.push({ index, flag: `--${long}`, written, why: `takes true or false, not ${JSON.stringify(value)}`, instead: `write --${long} or --${long}=false` });
        return;
      }
    }
    const refusal = spec.verdict?.(v!);
    if (refusal) out.push({ index, flag: `--${long}`, written, ...refusal });
  };

  while (i < args.length) {
    const index = i;
    const arg = args[i++]!;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      out.push({ index, flag: arg, written: arg, why: 'is not an option: podman would read it (and what follows) as the image and command', instead: 'give options only, such as "--memory=2g"' });
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const long = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = FLAGS[long];
      if (!spec) {
        out.push({ index, flag: `--${long}`, written: arg, why: 'is not an option shim knows to be safe', instead: `if the tool needs it, ${UNSAFE}` });
        continue;
      }
      let value = eq === -1 ? undefined : arg.slice(eq + 1);
      let written = arg;
      if (spec.value && value === undefined && i < args.length) {
        value = args[i++]!;
        written = `${arg} ${value}`;
      }
      judge(index, long, spec, written, value);
      continue;
    }
    // a short flag or a cluster of them: booleans until a value-taking flag, which takes the rest
    // of the entry (an "=" right after it is dropped) or else the next entry
    for (let k = 1; k < arg.length; k++) {
      const ch = arg[k]!;
      if (AMBIGUOUS_SHORT[ch]) {
        out.push({ index, flag: `-${ch}`, written: arg, why: `is ambiguous: ${AMBIGUOUS_SHORT[ch]}`, instead: 'use the long spelling' });
        break;
      }
      const long = SHORT_FLAGS[ch];
      const spec = long ? FLAGS[long] : undefined;
      if (!long || !spec) {
        out.push({ index, flag: `-${ch}`, written: arg, why: `cannot be parsed: -${ch} is not a short flag shim knows`, instead: `use the long spelling of the flag; if the tool needs it, ${UNSAFE}` });
        break;
      }
      if (!spec.value) {
        judge(index, long, spec, arg, undefined);
        continue;
      }
      let value: string | undefined = arg.slice(k + 1);
      let written = arg;
      if (value.startsWith('=')) value = value.slice(1);
      else if (value === '') {
        value = i < args.length ? args[i++] : undefined;
        if (value !== undefined) written = `${arg} ${value}`;
      }
      judge(index, long, spec, written, value);
      break;
    }
  }
  return out;
}

function describe(tool: string, v: ArgViolation): string {
  return `${tool}.podman_args[${v.index}]: ${JSON.stringify(v.written)}${v.written === v.flag || v.written.startsWith(`${v.flag}=`) || v.written.startsWith(`${v.flag} `) ? '' : ` (${v.flag})`} ${v.why}`;
}

/** Refuses podman_args that undo the sandbox (ConfigError naming the tool, the entry, why and what to
 *  use instead), unless the tool sets unsafe_podman_args; returns the warnings of the run. */
export function checkPodmanArgs(tool: ResolvedTool): string[] {
  const violations = podmanArgViolations(tool.podman_args);
  if (tool.unsafe_podman_args) {
    if (!violations.length) {
      return [`${tool.name}: "unsafe_podman_args" is set, so its podman_args are not checked (none of the current ones needs it: remove the setting)`];
    }
    return [
      `${tool.name}: "unsafe_podman_args" is set: these podman_args undo the sandbox and are passed anyway: ${violations.map((v) => `${describe(tool.name, v)}`).join('; ')}`,
    ];
  }
  if (!violations.length) return [];
  const lines = violations.map((v) => `${describe(tool.name, v)}; instead: ${v.instead}`);
  const hint = `podman_args cannot undo shim's sandbox; use the config fields named above, or set "unsafe_podman_args": true in ${tool.name} to pass them anyway (warned on every run)`;
  if (lines.length === 1) throw new ConfigError(lines[0]!, hint);
  throw new ConfigError(`${tool.name}: ${lines.length} podman_args are refused:\n${lines.join('\n')}`, hint);
}
