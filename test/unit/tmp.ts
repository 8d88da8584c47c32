// Temporary directories for tests that touch the file system.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** Creates a temp directory (real path) removed after the file's tests. */
export function tempDir(prefix = 'shim-unit-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** Writes `text` to a new file in `dir` and returns its path. */
export function writeTemp(dir: string, text: string, name = `f${++counter}.json`): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
