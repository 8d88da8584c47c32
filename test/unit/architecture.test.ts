// The house rules, checked on the source itself: no import circles (type-only imports included), and
// the planners in src/plan/ never touch the world (no file system, OS, child processes or process.*,
// and no value imported from a room that does). Each rule has a control that shows the check bites.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');
const IMPORT_RE = /(?:import|export)\s(?:[^;'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const TYPE_ONLY_RE = /^\s*(?:import|export)\s+type\s/;

interface Edge {
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Comments removed, so a comment that names process.* or an old import does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
}

function importsOf(file: string, text: string): Edge[] {
  const out: Edge[] = [];
  for (const m of code(text).matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2]!;
    const to = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
    out.push({ to, typeOnly: TYPE_ONLY_RE.test(m[0]) });
  }
  return out;
}

function graphOf(files: ReadonlyMap<string, string>): Map<string, Edge[]> {
  return new Map([...files].map(([f, text]) => [f, importsOf(f, text).filter((e) => files.has(e.to))]));
}

/** Strongly connected components with more than one file (Tarjan). */
export function findCycles(graph: ReadonlyMap<string, readonly Edge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.map((f) => path.relative(SRC, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const WORLD_MODULE_RE = /from\s+['"]node:(fs|fs\/promises|os|child_process|net|dgram|http|https|worker_threads)['"]/;
const PURE_NET_IMPORT_RE = /import\s*\{\s*(?:(?:isIP|isIPv4|isIPv6)\s*,?\s*)+\}\s*from\s+['"]node:net['"];?/g;
/** Rooms that touch the world; plan/ may use their types, never their values. */
const EFFECTFUL_ROOMS = ['facts', 'runtime', 'install', 'commands', 'proxy', 'session', 'snapshot', 'audit', 'doctor', 'mcp', 'app'];

/** Why a planner file touches the world, or nothing. */
export function worldTouches(file: string, text: string): string[] {
  const body = code(text);
  const out: string[] = [];
  // node:net's address parsers compute, they touch nothing: a planner may classify an IP address
  const world = WORLD_MODULE_RE.exec(body.replace(PURE_NET_IMPORT_RE, ''));
  if (world) out.push(`imports node:${world[1]}`);
  if (/\bprocess\.\w/.test(body)) out.push('uses process.*');
  for (const e of importsOf(file, text)) {
    const room = path.relative(SRC, e.to).split(path.sep)[0]!;
    if (!e.typeOnly && EFFECTFUL_ROOMS.includes(room)) out.push(`imports a value from ${path.relative(SRC, e.to)}`);
  }
  return out;
}

describe('the house', () => {
  const files = new Map(sourceFiles(SRC).map((f) => [f, fs.readFileSync(f, 'utf8')]));

  it('has no import circles, type-only imports included', () => {
    expect(findCycles(graphOf(files))).toEqual([]);
  });

  it('finds a circle when there is one (control), also through a type-only import', () => {
    const a = path.join(SRC, 'x/a.ts');
    const b = path.join(SRC, 'x/b.ts');
    const c = path.join(SRC, 'x/c.ts');
    const fake = new Map([
      [a, "import { b } from './b.js';"],
      [b, "import type { C } from './c.js';"],
      [c, "export { a } from './a.js';"],
    ]);
    expect(findCycles(graphOf(fake))).toEqual([['x/a.ts', 'x/b.ts', 'x/c.ts']]);
  });

  it('keeps src/plan/ pure: no file system, OS, processes or effectful rooms', () => {
    const impure = [...files]
      .filter(([f]) => f.startsWith(path.join(SRC, 'plan') + path.sep))
      .map(([f, text]) => ({ file: path.relative(SRC, f), touches: worldTouches(f, text) }))
      .filter((x) => x.touches.length);
    expect(impure).toEqual([]);
  });

  it('sees a planner that touches the world (control)', () => {
    const f = path.join(SRC, 'plan/x.ts');
    expect(worldTouches(f, "import fs from 'node:fs';")).toEqual(['imports node:fs']);
    // node:net's pure address parsers are allowed, the module itself (sockets) is not
    expect(worldTouches(f, "import { isIP, isIPv6 } from 'node:net';")).toEqual([]);
    expect(worldTouches(f, "import net from 'node:net';")).toEqual(['imports node:net']);
    expect(worldTouches(f, "import { isIP, connect } from 'node:net';")).toEqual(['imports node:net']);
    expect(worldTouches(f, 'const cwd = process.cwd();')).toEqual(['uses process.*']);
    expect(worldTouches(f, "import { loadProtectedPaths } from '../facts/protected-paths.js';")).toEqual(['imports a value from facts/protected-paths.ts']);
    // a comment naming process.* and a type from an effectful room are fine
    expect(worldTouches(f, "// process.env is read by main.ts\nimport type { ProjectRoot } from '../facts/project-root.js';")).toEqual([]);
  });
});
