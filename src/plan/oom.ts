// How shim asks the runtime whether a container was killed for running out of memory (pure). A run
// that ends with 137 (SIGKILL) under a memory limit may have been killed by the kernel's OOM killer,
// or by anything else that sends SIGKILL (the tool itself, a user, shim's timeout). With --rm the
// container is gone by then, so `inspect … {{.State.OOMKilled}}` cannot be asked; the runtime's event
// log outlives it: docker records an "oom" event for the container, podman does where its conmon
// detects OOM kills (podman 4.3 with cgroup v1 does not, so shim cannot tell there and says so).
import type { RuntimeInfo } from '../host.js';

/** The runtime's command listing the "oom" events of `container` between two times (ms since the
 *  epoch), one line per event. */
export function oomEventsArgv(runtime: Pick<RuntimeInfo, 'name'>, container: string, sinceMs: number, untilMs: number): string[] {
  const since = String(Math.floor(sinceMs / 1000) - 1);
  const until = String(Math.ceil(untilMs / 1000));
  return [
    'events',
    // podman streams unless told not to; docker stops at --until
    ...(runtime.name === 'podman' ? ['--stream=false'] : []),
    '--since',
    since,
    '--until',
    until,
    '--filter',
    `container=${container}`,
    '--filter',
    'event=oom',
    '--format',
    '{{.Status}}',
  ];
}

/** Whether the runtime's events output reports an OOM kill. */
export function parseOomEvents(stdout: string): boolean {
  return stdout.split('\n').some((line) => line.trim() === 'oom');
}

/** What to say about a tool that exited 137 under a memory limit: "out of memory" only when the runtime
 *  reported an OOM kill, otherwise that it was killed, possibly for memory. */
export function formatKilled(name: string, memory: string, oomKilled: boolean): string {
  return oomKilled
    ? `${name} was killed: out of memory (limit ${memory})`
    : `${name} was killed (SIGKILL), possibly out of memory (limit ${memory}): the runtime did not report an out-of-memory kill`;
}
