// Makes sure the tool image exists: hashes the recipe (containerfiles/ + base image + architecture),
// stages a build context with node, npm and mise taken from the npm registry (integrity-checked), and
// builds it once. A host stamp remembers the built tag so a normal run spends no process on this.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ShimPaths } from '../config/paths.js';
import type { Settings } from '../config/schema.js';
import { ConfigError, RuntimeError } from '../errors.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { withLock, writeFileAtomic } from '../lock.js';
import { buildImageArgv, chooseImage, imageExistsArgv, npmPackArgv, untarArgv, type ImageChoice } from '../plan/image-plan.js';
import type { Reporter } from '../report.js';
import { expectSuccess, runCaptured, runToStderr } from './exec.js';

interface PinnedPackage {
  package: string;
  integrity: string;
}
type Pins = Record<'node' | 'npm' | 'mise', PinnedPackage>;

export interface ImageContext {
  host: HostEnv;
  paths: ShimPaths;
  settings: Settings;
  runtime: RuntimeInfo;
  runtimeEnv: Record<string, string>;
  reporter: Reporter;
}

function recipeDir(host: HostEnv): string {
  return path.join(host.packageRoot, 'containerfiles');
}

/** Hashes every file of containerfiles/ with the base image and architecture. With `cacheDir`, the hash
 *  is kept there under a stamp of the files (name, size, inode, modification and change times: a
 *  change time cannot be set back), so a run that finds them unchanged reads and hashes none. */
export function recipeHash(host: HostEnv, base: string, cacheDir?: string): string {
  const dir = recipeDir(host);
  const names = fs.readdirSync(dir).sort();
  const head = `base=${base}\narch=${host.arch}\n`;
  const cacheFile = cacheDir && path.join(cacheDir, 'recipe-hash.json');
  let stamp: string | undefined;
  if (cacheFile) {
    stamp = head + names.map((n) => {
      const st = fs.statSync(path.join(dir, n));
      return `${n}:${st.size}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}\n`;
    }).join('');
    try {
      const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { stamp?: unknown; hash?: unknown };
      if (cached.stamp === stamp && typeof cached.hash === 'string' && /^[0-9a-f]{64}$/.test(cached.hash)) return cached.hash;
    } catch {
      // none yet
    }
  }
  const hash = createHash('sha256').update(head);
  for (const name of names) {
    hash.update(`file=${name}\n`).update(fs.readFileSync(path.join(dir, name)));
  }
  const digest = hash.digest('hex');
  if (cacheFile) {
    try {
      writeFileAtomic(cacheFile, JSON.stringify({ stamp, hash: digest }), { file: 0o600, dir: 0o700 });
    } catch {
      // the next run hashes again
    }
  }
  return digest;
}

/** Returns the image choice for this host (no build, no runtime call); with `paths`, the recipe's hash
 *  may come from shim's cache directory. */
export function loadImageChoice(ctx: Pick<ImageContext, 'host' | 'settings'> & { paths?: Pick<ShimPaths, 'cacheDir'> }): { choice: ImageChoice; hash: string } {
  const base = ctx.host.env.SHIM_BASE_IMAGE || ctx.settings.base_image;
  const hash = recipeHash(ctx.host, base ?? chooseImage({}, {}, '').base, ctx.paths?.cacheDir);
  return { choice: chooseImage(ctx.host.env, ctx.settings, hash), hash };
}

function stampFile(ctx: ImageContext): string {
  return path.join(ctx.paths.stateDir, 'images', `${ctx.runtime.name}.json`);
}

function readPins(host: HostEnv): Pins {
  const all = JSON.parse(fs.readFileSync(path.join(recipeDir(host), 'image.json'), 'utf8')) as Record<string, Pins>;
  const pins = all[host.arch];
  if (!pins) {
    throw new ConfigError(`shim's image recipe has no packages for the ${host.arch} architecture (only ${Object.keys(all).filter((k) => k !== '//').join(', ')})`, 'set SHIM_IMAGE to an image you built yourself');
  }
  return pins;
}

/** Downloads one pinned package with `npm pack`, checks its integrity, and unpacks it into `dest`. */
async function fetchPackage(ctx: ImageContext, pin: PinnedPackage, work: string, dest: string): Promise<void> {
  const npm = { file: 'npm', env: ctx.runtimeEnv };
  const packed = expectSuccess(
    `downloading ${pin.package} from the npm registry`,
    await runCaptured({ ...npm, argv: npmPackArgv(pin.package, work) }),
    'check that the npm registry is reachable (and your CA bundle, see SHIM_CA_BUNDLE)',
  );
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  const tarball = path.join(work, info!.filename);
  const actual = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  if (actual !== pin.integrity) {
    throw new RuntimeError(`${pin.package}: integrity mismatch (expected ${pin.integrity}, got ${actual})`, 'the download was altered; do not build from it');
  }
  fs.mkdirSync(dest, { recursive: true });
  expectSuccess(
    `unpacking ${pin.package}`,
    await runCaptured({ file: 'tar', env: ctx.runtimeEnv, argv: untarArgv(tarball, dest) }),
    'check free disk space in the cache directory',
  );
}

/** Stages the build context (cached per recipe hash) and returns its directory. */
async function stageContext(ctx: ImageContext, hash: string): Promise<string> {
  const root = path.join(ctx.paths.cacheDir, 'build');
  const dir = path.join(root, hash.slice(0, 12));
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const pins = readPins(ctx.host);
  fs.mkdirSync(root, { recursive: true });
  const work = fs.mkdtempSync(path.join(root, 'stage-'));
  try {
    fs.cpSync(recipeDir(ctx.host), work, { recursive: true });
    await fetchPackage(ctx, pins.node, work, path.join(work, 'node'));
    await fetchPackage(ctx, pins.npm, work, path.join(work, 'npm'));
    await fetchPackage(ctx, pins.mise, work, path.join(work, 'mise-pkg'));
    fs.renameSync(path.join(work, 'mise-pkg', 'bin', 'mise'), path.join(work, 'mise'));
    fs.rmSync(path.join(work, 'mise-pkg'), { recursive: true });
    for (const f of fs.readdirSync(work)) if (f.endsWith('.tgz')) fs.rmSync(path.join(work, f));
    fs.writeFileSync(path.join(work, '.complete'), hash);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
    return dir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function imageExists(ctx: ImageContext, ref: string): Promise<boolean> {
  const out = await runCaptured({ file: ctx.runtime.path, argv: imageExistsArgv(ctx.runtime, ref), env: ctx.runtimeEnv });
  return out.exitCode === 0;
}

/** Builds shim's image from the recipe (output on stderr). */
export async function buildImage(ctx: ImageContext, choice: ImageChoice, hash: string, why: string): Promise<void> {
  ctx.reporter.info(`building image ${choice.ref} (${why})…`);
  const contextDir = await stageContext(ctx, hash);
  const status = await runToStderr({ file: ctx.runtime.path, argv: buildImageArgv(choice, hash, contextDir), env: ctx.runtimeEnv });
  if (status !== 0) {
    throw new RuntimeError(`building ${choice.ref} failed (exit ${status}); the build output is above`, `check that the base image ${choice.base} exists locally or can be pulled (set SHIM_BASE_IMAGE or settings.json "base_image")`);
  }
  writeFileAtomic(stampFile(ctx), `${JSON.stringify({ ref: choice.ref, builtAt: new Date().toISOString() })}\n`);
}

/** Forgets that the image was built (after the runtime reported it missing). */
export function forgetImage(ctx: ImageContext): void {
  fs.rmSync(stampFile(ctx), { force: true });
}

/** Returns the image reference to run, building shim's own image on first use or after a recipe change. */
export async function ensureImage(ctx: ImageContext, options: { force?: boolean } = {}): Promise<string> {
  const { choice, hash } = loadImageChoice(ctx);
  if (!choice.managed) {
    if (options.force) throw new ConfigError(`${choice.source} is set (${choice.ref}): shim does not build user images`, `unset ${choice.source === 'SHIM_IMAGE' ? 'SHIM_IMAGE' : 'settings.json "image"'} to rebuild shim's own image`);
    return choice.ref;
  }
  const stamp = stampFile(ctx);
  if (!options.force && readStampRef(stamp) === choice.ref) return choice.ref;
  // one lock per user cache, whatever the runtime or state dir: builds share the staged context there,
  // and two first uses must never stage (or delete) it under each other
  return withLock(
    path.join(ctx.paths.cacheDir, 'locks', 'image-build'),
    async () => {
      if (!options.force && readStampRef(stamp) === choice.ref) return choice.ref;
      if (options.force) await buildImage(ctx, choice, hash, 'rebuild requested');
      else if (await imageExists(ctx, choice.ref)) writeFileAtomic(stamp, `${JSON.stringify({ ref: choice.ref, builtAt: 'found' })}\n`);
      else await buildImage(ctx, choice, hash, 'first use of this recipe');
      return choice.ref;
    },
    () => ctx.reporter.info('waiting for another shim to finish building the image…'),
  );
}

function readStampRef(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { ref?: string }).ref;
  } catch {
    return undefined;
  }
}
