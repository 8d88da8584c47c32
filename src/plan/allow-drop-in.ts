// `shim allow`: the drop-in config.d/50-allow-<tool>.json that extends a tool's allow-list without
// touching the user's own files.
//
// Arrays replace across config files, so the drop-in cannot hold only the new hosts: it holds the
// tool's whole list, i.e. the list of the user's own files (every layer but the drop-in) plus the
// hosts `shim allow` added, which a comment line in the file records. Each `shim allow` computes the
// file again from the user's list as it is now, so an edit of the user's own allowed_hosts (a host
// added or removed there) is folded in the next time `shim allow <tool>` runs, with or without new
// hosts. Until then the drop-in, being later in the layering, hides that edit; `shim suggest` and
// `shim allow` say so (`stale`). Hosts `shim allow` added stay until the drop-in is edited or removed.
import { parseJsonc } from '../config/jsonc.js';
import { allowedHostIssue } from '../config/schema.js';
import { entryCovered } from './egress-suggest.js';
import { formatUnifiedDiff } from './text-diff.js';

/** The drop-in's file name for a tool (sorted after the usual 10-…, 20-… drop-ins, before 60-…, 90-…). */
export function allowDropInName(tool: string): string {
  return `50-allow-${tool}.json`;
}

const ADDED_MARK = '// shim-allow-added: ';

/** What an existing drop-in holds, read back. */
export interface DropInContent {
  /** The tool's allowed_hosts in it. */
  list: string[];
  /** The hosts `shim allow` added (from its comment line); undefined when the line is missing or broken. */
  added?: string[];
}

/** Reads a drop-in's text back; a string ("is not…", "holds…") says why it is not a file `shim allow` can own. */
export function readAllowDropIn(text: string, tool: string): DropInContent | string {
  const { value, error } = parseJsonc(text);
  if (error) return `is not valid JSON (${error})`;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return 'is not a JSON object';
  const others = Object.keys(value).filter((k) => k !== tool && k !== '$schema');
  if (others.length) return `holds more than shim allow writes (${others.map((k) => JSON.stringify(k)).join(', ')})`;
  const entry = value[tool];
  const fields = isObject(entry) ? Object.keys(entry) : [];
  if (!isObject(entry) || fields.some((k) => k !== 'allowed_hosts')) return `holds more than "${tool}": { "allowed_hosts": […] }`;
  const list = entry.allowed_hosts ?? [];
  if (!Array.isArray(list) || !list.every((h): h is string => typeof h === 'string' && !allowedHostIssue(h))) return `does not hold a list of valid hosts in "${tool}.allowed_hosts"`;
  return { list, ...readAddedLine(text) };
}

function readAddedLine(text: string): { added?: string[] } {
  const line = text.split('\n').find((l) => l.startsWith(ADDED_MARK));
  if (!line) return {};
  try {
    const added: unknown = JSON.parse(line.slice(ADDED_MARK.length));
    return Array.isArray(added) && added.every((h): h is string => typeof h === 'string' && !allowedHostIssue(h)) ? { added } : {};
  } catch {
    return {};
  }
}

export interface AllowRequest {
  tool: string;
  /** allowed_hosts from the user's own files, the drop-in left out ([] when none sets it). */
  base: readonly string[];
  /** Hosts to allow, already validated as allowed_hosts entries. */
  hosts: readonly string[];
  /** The drop-in as it is (its text and what it holds), when it exists. */
  existing?: { text: string; content: DropInContent };
  /** How the file is named in the diff (e.g. "config.d/50-allow-claude.json"). */
  label: string;
}

export interface AllowPlan {
  /** Hosts this call adds to the tool's effective list. */
  added: string[];
  /** Hosts of this call that the list already allows. */
  alreadyAllowed: string[];
  /** The tool's whole list as the drop-in will hold it. */
  allowedHosts: string[];
  /** The hosts the drop-in records as added by shim allow (this call's and earlier ones). */
  addedByShim: string[];
  /** The file's new text, and whether it differs from the current one. */
  text: string;
  changed: boolean;
  /** The existing drop-in hid a change of the user's own list, which this text folds in. */
  stale: boolean;
  diff: string;
}

/** The hosts of earlier `shim allow` calls that the user's list does not hold itself. */
function keptByShim(base: readonly string[], existing: AllowRequest['existing']): string[] {
  const earlier = existing ? (existing.content.added ?? existing.content.list.filter((h) => !base.includes(h))) : [];
  return earlier.filter((h) => !base.includes(h));
}

/** Whether the existing drop-in hides a change of the user's own list (`shim allow <tool>` folds it in). */
export function dropInStale(base: readonly string[], existing: AllowRequest['existing']): boolean {
  return existing !== undefined && !sameList(existing.content.list, unique([...base, ...keptByShim(base, existing)]));
}

/** Computes the drop-in's new content from the user's list, what earlier calls added, and `hosts`. */
export function planAllowDropIn(req: AllowRequest): AllowPlan {
  const { tool, base, existing } = req;
  const kept = keptByShim(base, existing);
  const current = unique([...base, ...kept]);
  const added: string[] = [];
  const alreadyAllowed: string[] = [];
  for (const h of unique(req.hosts)) (entryCovered([...current, ...added], h) ? alreadyAllowed : added).push(h);
  const allowedHosts = [...current, ...added];
  const addedByShim = [...kept, ...added];
  const text = renderAllowDropIn(tool, allowedHosts, addedByShim);
  return {
    added,
    alreadyAllowed,
    allowedHosts,
    addedByShim,
    text,
    changed: text !== existing?.text,
    stale: dropInStale(base, existing),
    diff: formatUnifiedDiff(existing?.text, text, req.label),
  };
}

/** The drop-in's text: a comment saying what it is, the added-hosts record, and the tool's whole list. */
export function renderAllowDropIn(tool: string, allowedHosts: readonly string[], addedByShim: readonly string[]): string {
  const lines = [
    `// Written by \`shim allow ${tool}\`. It holds ${tool}'s whole allowed_hosts (a later file's list`,
    '// replaces an earlier one\'s): the list of your own config files when it was written, plus the hosts',
    `// shim allow added. After editing your own list, run \`shim allow ${tool}\` to fold the edit in`,
    '// (this file hides it until then). Delete this file to undo every shim allow.',
    `${ADDED_MARK}${JSON.stringify(addedByShim)}`,
  ];
  return `${lines.join('\n')}\n${JSON.stringify({ [tool]: { allowed_hosts: allowedHosts } }, null, 2)}\n`;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}
