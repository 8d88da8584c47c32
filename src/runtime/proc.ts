// Facts about host processes read from /proc, without asking the runtime.
import fs from 'node:fs';

/** The start time (field 22 of /proc/PID/stat, in clock ticks since boot) of a host process, if it runs. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may hold spaces or parentheses itself
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
