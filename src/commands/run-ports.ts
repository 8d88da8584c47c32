// The host end of a run's forwarded ports around the run: listening before its container starts (a
// port in use fails the run before anything started), closed when it ends.
import type { App } from '../app/app.js';
import type { RunPlan } from '../plan/run-plan.js';
import { formatChosenPorts } from '../plan/port-forward.js';
import { startPortForward } from '../runtime/port-forward.js';

/** Runs `body` with the plan's ports forwarded (when it has any). */
export async function withPortForward<T>(app: Pick<App, 'reporter'>, plan: RunPlan, body: () => Promise<T>): Promise<T> {
  if (!plan.portForward) return body();
  const forward = await startPortForward(plan.portForward);
  // said before the tool starts: the address is needed while it runs
  for (const line of formatChosenPorts(plan.tool, forward.bound)) app.reporter.info(line);
  try {
    return await body();
  } finally {
    forward.stop();
  }
}
