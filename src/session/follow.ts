// `shim logs -f`: the session's log as it grows, across its rotation, until the session has ended.
// The first read and the follow share one position (nothing between them is lost or printed twice);
// after a rotation the rest of the old file (now output.log.1) is read before the new one.
import fs from 'node:fs';
import { tailLines } from './output-store.js';

interface Position {
  ino: number;
  offset: number;
}

function readFrom(file: string, position: Position): { data: Buffer; ino: number; size: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const from = st.ino === position.ino ? position.offset : 0;
    const data = Buffer.alloc(Math.max(0, st.size - from));
    if (data.length) fs.readSync(fd, data, 0, data.length, from);
    return { data, ino: st.ino, size: from + data.length };
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the last `lines` lines (all when undefined), then what is appended, until `ended()` says the
 *  session is over (checked before a last read, so its final output is printed). */
export async function followLog(file: string, oldFile: string, lines: number | undefined, write: (b: Buffer) => void, ended: () => Promise<boolean>): Promise<void> {
  const old = readFrom(oldFile, { ino: -1, offset: 0 })?.data ?? Buffer.alloc(0);
  const first = readFrom(file, { ino: -1, offset: 0 });
  const all = Buffer.concat([old, first?.data ?? Buffer.alloc(0)]);
  write(lines === undefined ? all : tailLines(all, lines));
  let position: Position = { ino: first?.ino ?? -1, offset: first?.size ?? 0 };
  const drain = () => {
    const current = readFrom(file, position);
    if (current && current.ino !== position.ino && position.ino !== -1) {
      // rotated: what was written to the old file since the last read is now in output.log.1
      const rest = readFrom(oldFile, position);
      if (rest && rest.ino === position.ino) write(rest.data);
    }
    if (current) {
      write(current.data);
      position = { ino: current.ino, offset: current.size };
    }
  };
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const over = await ended();
    drain();
    if (over) return;
  }
}
