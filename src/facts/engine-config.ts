// Reads the container engine's own configuration, the part that can reach containers: every
// containers.conf podman may read and docker's client config.json. Plain facts for plan/engine-config.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../host.js';
import type { ConfEntry, EngineConfigFacts } from '../plan/engine-config.js';

/** Splits TOML text into top-level `key = value` entries with their table. Enough for containers.conf
 *  (tables, keys, strings, arrays over several lines, comments); anything else throws. */
export function scanToml(text: string, file: string): ConfEntry[] {
  const out: ConfEntry[] = [];
  let table = '';
  let i = 0;
  const n = text.length;
  // to the end of the line at once: containers.conf is mostly comments (24 KB of them in podman 4.3's)
  const skipComment = () => {
    const nl = text.indexOf('\n', i);
    i = nl < 0 ? n : nl;
  };
  /** Reads one value up to its end at depth 0 (end of line), strings and brackets respected. */
  const readValue = (): string => {
    let v = '';
    let depth = 0;
    while (i < n) {
      const c = text[i]!;
      if (c === '#') {
        skipComment();
        continue;
      }
      if (c === '\n' && depth === 0) break;
      if (c === '"' || c === "'") {
        const triple = text.startsWith(c.repeat(3), i);
        const close = triple ? c.repeat(3) : c;
        let j = i + close.length;
        while (j < n && !text.startsWith(close, j)) {
          if (c === '"' && text[j] === '\\') j++;
          if (!triple && text[j] === '\n') throw new Error(`unterminated string in ${file}`);
          j++;
        }
        if (j >= n) throw new Error(`unterminated string in ${file}`);
        v += text.slice(i, j + close.length);
        i = j + close.length;
        continue;
      }
      if (c === '[' || c === '{') depth++;
      if (c === ']' || c === '}') depth--;
      v += c;
      i++;
    }
    if (depth !== 0) throw new Error(`unbalanced brackets in ${file}`);
    return v.trim();
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      skipComment();
    } else if (c === '[') {
      const end = text.indexOf('\n', i);
      const line = text.slice(i, end < 0 ? n : end).replace(/#.*$/, '').trim();
      const m = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
      if (!m) throw new Error(`cannot read the table header ${JSON.stringify(line)} in ${file}`);
      table = m[1]!.replace(/["'\s]/g, '');
      i = end < 0 ? n : end;
    } else {
      const eq = text.indexOf('=', i);
      const nl = text.indexOf('\n', i);
      if (eq < 0 || (nl >= 0 && nl < eq)) throw new Error(`cannot read the line ${JSON.stringify(text.slice(i, nl < 0 ? n : nl))} in ${file}`);
      const key = text.slice(i, eq).trim().replace(/^["']|["']$/g, '');
      i = eq + 1;
      out.push({ file, table, key, value: readValue() });
    }
  }
  return out;
}

function confFilesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.conf')).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Every containers.conf podman may read, in its order: CONTAINERS_CONF alone when set, else the
 *  system files, their drop-in directories and the user's (read for every user: newer podman reads the
 *  user's file as root too, and a file too many only makes shim stricter). */
export function podmanConfFiles(env: Env, home: string, uid: number): string[] {
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF, ...(env.CONTAINERS_CONF_OVERRIDE ? [env.CONTAINERS_CONF_OVERRIDE] : [])];
  const user = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers');
  const mode = uid === 0 ? 'rootful' : 'rootless';
  const files = [
    '/usr/share/containers/containers.conf',
    ...confFilesIn('/usr/share/containers/containers.conf.d'),
    '/etc/containers/containers.conf',
    ...confFilesIn('/etc/containers/containers.conf.d'),
    ...confFilesIn(`/usr/share/containers/containers.${mode}.conf.d`),
    ...confFilesIn(`/etc/containers/containers.${mode}.conf.d`),
    ...(uid === 0 ? [] : confFilesIn(`/etc/containers/containers.rootless.conf.d/${uid}`)),
    path.join(user, 'containers.conf'),
    ...confFilesIn(path.join(user, 'containers.conf.d')),
    ...(env.CONTAINERS_CONF_OVERRIDE ? [env.CONTAINERS_CONF_OVERRIDE] : []),
  ];
  return files.filter((f) => fs.existsSync(f));
}

/** Reads podman's containers.conf files and docker's client config. */
export function loadEngineConfig(env: Env, home: string, uid: number): EngineConfigFacts {
  const files = podmanConfFiles(env, home, uid);
  const entries: ConfEntry[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  for (const file of files) {
    try {
      entries.push(...scanToml(fs.readFileSync(file, 'utf8'), file));
    } catch (e) {
      unreadable.push({ file, reason: (e as Error).message.replace(` in ${file}`, '') });
    }
  }
  return { podman: { files, entries, unreadable }, ...dockerFacts(env, home) };
}

function dockerFacts(env: Env, home: string): Pick<EngineConfigFacts, 'docker'> {
  const dir = env.DOCKER_CONFIG || path.join(home, '.docker');
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  } catch {
    return {}; // none, or one docker itself will complain about
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) return {};
  return { docker: { dir, config: config as Record<string, unknown>, entries: fs.readdirSync(dir).sort() } };
}
