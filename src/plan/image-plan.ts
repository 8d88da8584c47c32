// Which image a tool runs in, and the runtime commands that query and build it (pure).
import type { Settings } from '../config/schema.js';
import type { Env, RuntimeInfo } from '../host.js';

export const DEFAULT_BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';
export const IMAGE_REPO = 'localhost/shim';
export const LABEL_RECIPE = 'io.shim.recipe';

export interface ImageChoice {
  ref: string;
  /** False for a user-supplied image (SHIM_IMAGE or settings "image"): used as-is, never built. */
  managed: boolean;
  /** Where the choice came from, for messages. */
  source: 'SHIM_IMAGE' | 'settings.json "image"' | 'recipe';
  base: string;
}

/** Picks the image: SHIM_IMAGE, else settings "image", else shim's own image tagged with the recipe hash. */
export function chooseImage(env: Env, settings: Settings, recipeHash: string): ImageChoice {
  const base = env.SHIM_BASE_IMAGE || settings.base_image || DEFAULT_BASE_IMAGE;
  if (env.SHIM_IMAGE) return { ref: env.SHIM_IMAGE, managed: false, source: 'SHIM_IMAGE', base };
  if (settings.image) return { ref: settings.image, managed: false, source: 'settings.json "image"', base };
  return { ref: `${IMAGE_REPO}:${recipeHash.slice(0, 12)}`, managed: true, source: 'recipe', base };
}

/** `npm pack` of one pinned package into `dir` (prints JSON with the tarball's file name). */
export function npmPackArgv(pkg: string, dir: string): string[] {
  return ['pack', '--silent', '--json', '--pack-destination', dir, pkg];
}

/** Unpacks an npm tarball's package/ directory into `dest`, owned by the caller. */
export function untarArgv(tarball: string, dest: string): string[] {
  return ['-xzf', tarball, '-C', dest, '--strip-components=1', '--no-same-owner'];
}

/** The command that exits 0 when the image exists locally. */
export function imageExistsArgv(runtime: RuntimeInfo, ref: string): string[] {
  return runtime.name === 'podman' ? ['image', 'exists', ref] : ['image', 'inspect', '--format', '{{.Id}}', ref];
}

/** The build command: the context is the staged recipe directory only, never the current directory. */
export function buildImageArgv(choice: ImageChoice, recipeHash: string, contextDir: string): string[] {
  return [
    'build',
    '--build-arg',
    `BASE=${choice.base}`,
    '--label',
    `${LABEL_RECIPE}=${recipeHash}`,
    '--tag',
    choice.ref,
    '--file',
    `${contextDir}/Containerfile`,
    contextDir,
  ];
}
