// The host's process tree, as the lifeline tests read it: who descends from a shim process, found before
// any of them is orphaned (so a process-tree kill can take them all at once).
import fs from 'node:fs';

/** Every process below `pid` on this host (by parent pid, read after the name's last ")"). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}
