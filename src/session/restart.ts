// A session's restart policy ("restart": "on-failure" | "always", with "restart_delay" doubled after each
// restart up to "restart_max_delay"): when the supervisor runs the tool again, with the same plan and
// copy. Pure: the supervisor asks, then waits and launches.
import { durationMs } from '../defaults.js';

export interface RestartPolicy {
  when: 'on-failure' | 'always';
  delayMs: number;
  maxDelayMs: number;
}

/** The wait before the first restart, and the longest wait between restarts, when the tool sets none. */
export const DEFAULT_RESTART_DELAY = '1s';
export const DEFAULT_RESTART_MAX_DELAY = '1m';

/** The policy of a tool's sessions, or undefined when they are not restarted. */
export function resolveRestartPolicy(tool: { restart?: 'no' | 'on-failure' | 'always'; restart_delay?: string; restart_max_delay?: string }): RestartPolicy | undefined {
  if (!tool.restart || tool.restart === 'no') return undefined;
  const delayMs = durationMs(tool.restart_delay ?? DEFAULT_RESTART_DELAY);
  return { when: tool.restart, delayMs, maxDelayMs: Math.max(delayMs, durationMs(tool.restart_max_delay ?? DEFAULT_RESTART_MAX_DELAY)) };
}

/** How long to wait before running the tool again after it exited with `status` (`restarts` restarts so
 *  far), or undefined when the session ends: a stop, a timeout, or a policy that says no. A restart the
 *  user asked for (`shim restart NAME`) comes at once. */
export function restartDelay(policy: RestartPolicy | undefined, status: number, ending: string | undefined, restarts: number, requested: boolean): number | undefined {
  if (ending) return undefined;
  if (requested) return 0;
  if (!policy || (policy.when === 'on-failure' && status === 0)) return undefined;
  return Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.min(restarts, 30));
}
