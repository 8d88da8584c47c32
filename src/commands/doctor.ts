// `shim doctor [tool] [--json]`: without a tool, checks the runtime, the OCI runtime's known CVEs
// (distribution backports included), cgroups, the image, the links and PATH, and the configuration;
// with one, checks that tool end to end (config, install, its command, a trial run in its sandbox, the
// egress self-test, what it may reach). One ✓/✗/!/– line each (a fix under every failure), or JSON.
// Exits 1 when any check failed, else 0. Facts: src/doctor/*facts.ts; decisions: src/doctor/*checks.ts.
import type { App } from '../app/with-config-files.js';
import { doctorOk, evaluate } from '../doctor/checks.js';
import { gatherFacts } from '../doctor/facts.js';
import { formatHuman, formatJson } from '../doctor/format.js';
import { evaluateTool } from '../doctor/tool-checks.js';
import { gatherToolFacts } from '../doctor/tool-facts.js';

export async function doctorCommand(app: App, options: { json?: boolean; tool?: string }): Promise<number> {
  const checks = options.tool ? evaluateTool(await gatherToolFacts(app, options.tool)) : evaluate(await gatherFacts(app));
  app.stdout(options.json ? formatJson(checks) : formatHuman(checks));
  return doctorOk(checks) ? 0 : 1;
}
