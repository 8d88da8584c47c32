// What `shim suggest` and `shim allow` need to know about a tool's allow-list, read from the user's own
// config files (a project's .shim.json never counts: the drop-in extends the user's list, which a
// project may only narrow), and the drop-in config.d/50-allow-<tool>.json as it is.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { displayFile, listToolNames, mergeToolFields, resolveTool } from '../config/merge.js';
import { ConfigError, UnknownToolError } from '../errors.js';
import { allowDropInName, readAllowDropIn, type DropInContent } from '../plan/allow-drop-in.js';
import { didYouMean } from '../suggest.js';

export interface AllowState {
  tool: string;
  /** The drop-in's absolute path, and as shown (relative to the config directory). */
  file: string;
  label: string;
  /** allowed_hosts of the user's files without the drop-in. */
  base: string[];
  /** allowed_hosts of the user's files with it (what runs use, before a project narrows it). */
  effective: string[];
  /** "allowlist" when the tool has allowed_hosts, else its network setting. */
  network: 'none' | 'bridge' | 'allowlist';
  /** Where its network setting comes from (a file, or the built-in default). */
  networkOrigin: string;
  existing?: { text: string; content: DropInContent };
  /** A user file layered after the drop-in that sets the tool's allowed_hosts (it would override the drop-in). */
  overriddenBy?: string;
}

/** Loads the tool's allow-list state; throws for an unknown tool, a broken config, or a drop-in shim does not own. */
export function loadAllowState(app: App, tool: string): AllowState {
  const config = app.config();
  const configDir = app.paths.configDir;
  const layers = config.layers.filter((l) => l.origin === undefined);
  const known = listToolNames(layers);
  const mentioned = config.problems.some((p) => p.tools.includes(tool) || !p.tools.length);
  if (!known.includes(tool) && !mentioned) {
    const hint = didYouMean(tool, known);
    throw new UnknownToolError(
      `unknown tool "${tool}"`,
      `${hint ? `${hint} ` : ''}${known.length ? `configured tools: ${known.join(', ')}` : `no tool is configured yet: add it to ${path.join(configDir, 'config.json')} (shim init writes a starter)`}`,
    );
  }
  // a broken file that defines the tool (the drop-in included) stops here with the file's messages
  const resolved = resolveTool(tool, { ...config, layers }, configDir);
  const file = path.join(app.paths.configDropInDir, allowDropInName(tool));
  const label = displayFile(file, configDir);
  const base = mergeToolFields(tool, layers.filter((l) => l.file !== file), configDir).merged.allowed_hosts ?? [];
  const later = layers.find((l) => path.dirname(l.file) === app.paths.configDropInDir && path.basename(l.file) > path.basename(file) && l.tools.get(tool)?.allowed_hosts !== undefined);
  return {
    tool,
    file,
    label,
    base,
    effective: resolved.allowed_hosts,
    network: resolved.allowed_hosts.length ? 'allowlist' : resolved.network,
    networkOrigin: resolved.provenance[resolved.allowed_hosts.length ? 'allowed_hosts' : 'network'] ?? 'built-in default',
    ...readExisting(file, label, tool),
    ...(later ? { overriddenBy: displayFile(later.file, configDir) } : {}),
  };
}

function readExisting(file: string, label: string, tool: string): Pick<AllowState, 'existing'> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read ${label}: ${(e as Error).message}`, 'check its permissions, or delete it');
  }
  const content = readAllowDropIn(text, tool);
  if (typeof content === 'string') {
    throw new ConfigError(`${label} ${content}`, `shim allow owns this file: move your own settings of "${tool}" to config.json or another file in config.d, or delete it`);
  }
  return { existing: { text, content } };
}
