// Reads config.json, config.d/*.json (lexical order) and settings.json, and validates each file on its
// own, so a broken file is named precisely and breaks only the tools it defines. Only JSON(C) is ever
// read: a .js/.ts config would run code on the host.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { didYouMean } from '../suggest.js';
import { parseJsonc } from './jsonc.js';
import { listConfigFiles } from './files.js';
import type { ShimPaths } from './paths.js';
import type { ProjectState } from './project-state.js';
import { SettingsSchema, TOOL_FIELDS, TOOL_NAME_RE, ToolLayerSchema, type Settings, type ToolLayer } from './schema.js';

/** The valid tools of one file, in the order files are layered. */
export interface ConfigLayer {
  file: string;
  tools: Map<string, ToolLayer>;
  /** Origin recorded in provenance for this layer's fields (a project file: "project:<file>"); default: the file. */
  origin?: string;
}

/** A file that could not be used, the messages saying why, and the tool names it seems to define. */
export interface FileProblem {
  file: string;
  messages: string[];
  tools: string[];
}

export interface LoadedConfig {
  layers: ConfigLayer[];
  problems: FileProblem[];
  settings: Settings;
  settingsProblem?: FileProblem;
  /** The project's .shim.json, when one was found (its layer, if usable, is the last of `layers`). */
  project?: ProjectState;
}

function formatPath(keys: readonly PropertyKey[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Turns zod issues into "tool.key.path: message" lines. */
export function formatIssues(prefix: PropertyKey[], error: z.ZodError, knownKeys: readonly string[]): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const hint = issue.path.length === 0 ? didYouMean(key, knownKeys) : undefined;
        return `${formatPath([...prefix, ...issue.path, key])}: unknown key${hint ? ` (${hint})` : ''}`;
      });
    }
    // zod reports a bad record key as "Invalid key in record"; the key's own message says what is wrong
    const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    return [`${formatPath([...prefix, ...issue.path])}: ${inner ?? issue.message}`];
  });
}

/** Config files are small; a huge one is a mistake or an attack on the parser, never read whole. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readJsonObject(file: string): { value?: Record<string, unknown>; salvaged: string[]; error?: string } {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_CONFIG_BYTES) return { salvaged: [], error: `is ${size} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes` };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { salvaged: [], error: `cannot read: ${(e as Error).message}` };
  }
  return parseJsonObject(text);
}

function parseJsonObject(text: string): { value?: Record<string, unknown>; salvaged: string[]; error?: string } {
  const { value, error } = parseJsonc(text);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const salvaged = isObject ? Object.keys(value) : [];
  if (error) return { salvaged, error: `invalid JSON at ${error}` };
  if (!isObject) return { salvaged, error: 'must be a JSON object keyed by tool name' };
  return { value: value as Record<string, unknown>, salvaged };
}

/** Validates an already parsed tool config object (one file's content). */
export function validateToolObject(file: string, value: Record<string, unknown>): ConfigLayer | FileProblem {
  const tools = new Map<string, ToolLayer>();
  const messages: string[] = [];
  for (const [name, raw] of Object.entries(value)) {
    if (name === '$schema') continue;
    if (!TOOL_NAME_RE.test(name)) {
      messages.push(`${JSON.stringify(name)}: invalid tool name (letters, digits and . _ + -, starting with a letter or digit, at most 64)`);
      continue;
    }
    const parsed = ToolLayerSchema.safeParse(raw);
    if (parsed.success) tools.set(name, parsed.data);
    else messages.push(...formatIssues([name], parsed.error, TOOL_FIELDS));
  }
  const names = Object.keys(value).filter((t) => TOOL_NAME_RE.test(t));
  return messages.length ? { file, messages, tools: names } : { file, tools };
}

/** Parses and validates the text of one tool config file (already read, e.g. to hash the same bytes). */
export function parseToolText(file: string, text: string): { result: ConfigLayer | FileProblem; value?: Record<string, unknown> } {
  const { value, salvaged, error } = parseJsonObject(text);
  if (!value) return { result: { file, messages: [error!], tools: salvaged.filter((t) => TOOL_NAME_RE.test(t)) } };
  return { result: validateToolObject(file, value), value };
}

/** Reads and validates one tool config file. */
export function loadToolFile(file: string): ConfigLayer | FileProblem {
  const { value, salvaged, error } = readJsonObject(file);
  if (!value) return { file, messages: [error!], tools: salvaged.filter((t) => TOOL_NAME_RE.test(t)) };
  return validateToolObject(file, value);
}

function loadSettings(file: string): { settings: Settings; problem?: FileProblem } {
  if (!fs.existsSync(file)) return { settings: {} };
  const { value, error } = readJsonObject(file);
  if (!value) return { settings: {}, problem: { file, messages: [error!], tools: [] } };
  const parsed = SettingsSchema.safeParse(value);
  if (parsed.success) return { settings: parsed.data };
  const keys = Object.keys(SettingsSchema.shape);
  return { settings: {}, problem: { file, messages: formatIssues([], parsed.error, keys), tools: [] } };
}

/** Loads every config file; never throws for a bad file (problems are returned instead). */
export function loadConfig(paths: ShimPaths): LoadedConfig {
  const layers: ConfigLayer[] = [];
  const problems: FileProblem[] = [];
  for (const file of listConfigFiles(paths)) {
    const result = loadToolFile(file);
    if ('messages' in result) problems.push(result);
    else layers.push(result);
  }
  const { settings, problem } = loadSettings(paths.settingsFile);
  return { layers, problems, settings, ...(problem ? { settingsProblem: problem } : {}) };
}
