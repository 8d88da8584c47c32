// The project layer: a `.shim.json` found from the current directory upward (up to $HOME when inside
// it, else up to /). It can add tools and narrow yours; anything that widens access is ignored, with a
// warning per field, until the user runs `shim trust` there (which records the file's sha256). A file
// not owned by the invoking user, or writable by group/others, or a symbolic link, is refused.
//
// The project root is the directory holding .shim.json; relative mount sources in it ("." included)
// are relative to that root, not to the current directory, and are rewritten to absolute paths.
import fs from 'node:fs';
import path from 'node:path';
import { isVolumeName } from '../path-helpers.js';
import { MAX_CONFIG_BYTES, parseToolText, validateToolObject, type ConfigLayer, type FileProblem } from './load.js';
import { analyzeProjectTools, narrowProjectTools } from './project-widening.js';
import { findProjectFile } from './project-file.js';
import type { ProjectContext, ProjectState, Widening } from './project-state.js';
import type { ToolLayer } from './schema.js';
import { sha256, trustedEntry, type TrustEntry } from './trust.js';

// ---------------------------------------------------------------------------------------------------
// discovery and reading

/** Reads the project file through one descriptor (no symlink followed), checking owner and mode on
 *  that same file, so the bytes hashed are the bytes checked and parsed. */
export function readProjectFile(file: string, uid: number): { text: string; sha256: string } | { refusal: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { refusal: 'is a symbolic link (a project file must be a regular file in the project)' };
    return { refusal: `cannot be read: ${(e as Error).message}` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { refusal: 'is not a regular file' };
    if (st.uid !== uid) return { refusal: `is owned by uid ${st.uid}, not by you (uid ${uid}); someone else may have put it there` };
    if (st.mode & 0o022) return { refusal: `is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}); run chmod go-w on it` };
    if (st.size > MAX_CONFIG_BYTES) return { refusal: `is ${st.size} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes` };
    const bytes = fs.readFileSync(fd);
    return { text: bytes.toString('utf8'), sha256: sha256(bytes) };
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------
// mounts relative to the project root

/** Makes relative host mount sources ("." included) absolute against the project root; "~…",
 *  absolute paths and named volumes are left as written. */
export function anchorMounts(tools: ReadonlyMap<string, ToolLayer>, root: string): Map<string, ToolLayer> {
  const out = new Map<string, ToolLayer>();
  for (const [name, part] of tools) {
    if (!part.mounts) {
      out.set(name, part);
      continue;
    }
    const mounts = part.mounts.map((m) => (isVolumeName(m.src) || m.src.startsWith('~') || path.isAbsolute(m.src) ? m : { ...m, src: path.resolve(root, m.src) }));
    out.set(name, { ...part, mounts });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// the whole layer

export interface ProjectLoad {
  state: ProjectState;
  /** The layer to put on top of the user's (absent when refused or invalid). */
  layer?: ConfigLayer;
  /** Validation problems of the file (status "invalid"). */
  problem?: FileProblem;
}

/** The trusted version's tools (as stored), anchored like the current file; empty when unusable. */
function trustedTools(entry: TrustEntry, file: string, root: string): Map<string, ToolLayer> {
  const r = validateToolObject(file, entry.content);
  return 'messages' in r ? new Map() : anchorMounts(r.tools, root);
}

/** Finds, reads, checks and layers the project file of `ctx.cwd`; undefined when there is none. */
export function loadProject(ctx: ProjectContext, below: readonly ConfigLayer[]): ProjectLoad | undefined {
  const found = findProjectFile(ctx.cwd, ctx.home);
  if (!found) return undefined;
  return loadProjectFile(found, ctx, below);
}

export function loadProjectFile(file: string, ctx: ProjectContext, below: readonly ConfigLayer[]): ProjectLoad {
  const root = path.dirname(file);
  const base = { file, root, ignored: [] as Widening[], sinceTrusted: [] as Widening[] };
  const read = readProjectFile(file, ctx.uid);
  if ('refusal' in read) return { state: { ...base, status: 'refused', refusal: read.refusal } };
  const { result } = parseToolText(file, read.text);
  if ('messages' in result) return { state: { ...base, status: 'invalid', sha256: read.sha256 }, problem: result };
  const tools = anchorMounts(result.tools, root);
  const entry = trustedEntry(ctx.stateDir, file);
  const origin = `project:${file}`;
  if (entry?.sha256 === read.sha256) {
    return { state: { ...base, status: 'trusted', sha256: read.sha256, trustedAt: entry.trusted_at }, layer: { file, tools, origin } };
  }
  const full = { ...ctx, root };
  const ignored = analyzeProjectTools(tools, below, full);
  const layer: ConfigLayer = { file, tools: narrowProjectTools(tools, ignored, below), origin: `${origin} (untrusted)` };
  if (!entry) return { state: { ...base, status: 'untrusted', sha256: read.sha256, ignored }, layer };
  const old: ConfigLayer = { file, tools: trustedTools(entry, file, root), origin };
  const sinceTrusted = analyzeProjectTools(tools, [...below, old], full);
  return { state: { ...base, status: 'changed', sha256: read.sha256, ignored, sinceTrusted, trustedAt: entry.trusted_at }, layer };
}
