// Copies that keep holes: a block of zeros is skipped (the file is extended over it at the end), so a
// sparse file costs the store, and a restore, what its data costs, not its apparent size. Node has no
// SEEK_DATA, so the zeros are still read (cheaply); they are only never written.
import fs from 'node:fs';

/** The granularity of holes: a block all zeros is not written. */
const BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(BLOCK);
export const CHUNK = 1024 * 1024;

/** Writes `data` at `position` of `fd`, skipping blocks of zeros; returns the bytes really written. */
export function writeSkippingZeros(fd: number, data: Buffer, position: number): number {
  let written = 0;
  for (let off = 0; off < data.length; off += BLOCK) {
    const block = data.subarray(off, Math.min(off + BLOCK, data.length));
    if (block.equals(ZEROS.subarray(0, block.length))) continue;
    fs.writeSync(fd, block, 0, block.length, position + off);
    written += block.length;
  }
  return written;
}

/** Writes all of `data` to `fd` with holes for its zero blocks (the size set at the end); bytes written. */
export function writeSparse(fd: number, data: Buffer): number {
  const written = writeSkippingZeros(fd, data, 0);
  // a hole at the end is only there once the size is set
  if (written < data.length) fs.ftruncateSync(fd, data.length);
  return written;
}

/** Copies the file `from` into the open descriptor `to`, holes kept; returns its size. */
export function copyFileSparse(from: string, to: number): number {
  const fd = fs.openSync(from, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) writeSkippingZeros(to, buf.subarray(0, n), pos);
  } finally {
    fs.closeSync(fd);
  }
  fs.ftruncateSync(to, pos);
  return pos;
}
