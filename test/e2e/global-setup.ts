// Builds shim's image once per runtime (through the real CLI: `shim install` with no tools configured) before the end-to-end
// files run, so no test file pays for, or races on, the first build. Fails when a runtime is missing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { asUser, baseEnv, sharedCacheDir, SHIM, userIds, CI_USER, type Flavour } from './harness.js';

export default async function setup(): Promise<void> {
  if (!fs.existsSync(path.join(path.dirname(SHIM), '..', 'dist', 'shim.mjs'))) throw new Error('dist/ is missing: run "npm run build" (npm test does)');
  for (const flavour of ['podman', 'docker', 'rootless'] as Flavour[]) {
    const home = flavour === 'rootless' ? userIds(CI_USER).home : os.homedir();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `shim-e2e-setup-${flavour}-`));
    const cache = sharedCacheDir(flavour);
    fs.mkdirSync(cache, { recursive: true });
    if (flavour === 'rootless') {
      const { uid, gid } = userIds(CI_USER);
      fs.chownSync(cache, uid, gid);
      fs.chownSync(scratch, uid, gid);
    }
    const env = { ...baseEnv(flavour, home), XDG_CONFIG_HOME: scratch, XDG_STATE_HOME: scratch, XDG_CACHE_HOME: cache };
    const [cmd, ...args] = asUser(flavour, ['node', SHIM, 'install']);
    const r = await execa(cmd!, args, { env, extendEnv: false, reject: false, cwd: '/' });
    fs.rmSync(scratch, { recursive: true, force: true });
    if (r.exitCode !== 0) throw new Error(`shim install (image build) failed on ${flavour} (run .ci/setup-containers.sh first):\n${r.stderr.slice(-3000)}`);
  }
}
