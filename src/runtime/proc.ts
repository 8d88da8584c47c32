// Facts about host processes read from /proc, without asking the runtime.
import fs from 'node:fs';

/** The start time (field 22 of /proc/PID/stat, in clock ticks since boot) of a host process, if it runs
 *  (a zombie, dead but not yet collected, does not). */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may hold spaces or parentheses itself
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
