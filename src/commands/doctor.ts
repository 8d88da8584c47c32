// `shim doctor [--json]`: checks the runtime, the OCI runtime's known CVEs, cgroups, the image, the
// links and PATH, and the configuration; one ✓/✗/!/– line each (a fix under every failure), or JSON.
// Exits 1 when any check failed, else 0. Facts: src/doctor/facts.ts; decisions: src/doctor/checks.ts.
import type { App } from '../app/with-config-files.js';
import { doctorOk, evaluate } from '../doctor/checks.js';
import { gatherFacts } from '../doctor/facts.js';
import { formatHuman, formatJson } from '../doctor/format.js';

export async function doctorCommand(app: App, options: { json?: boolean }): Promise<number> {
  const checks = evaluate(await gatherFacts(app));
  app.stdout(options.json ? formatJson(checks) : formatHuman(checks));
  return doctorOk(checks) ? 0 : 1;
}
