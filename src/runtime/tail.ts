// The end of a child's output stream, kept within a byte budget (captured installs).

/** Keeps the last `keep` bytes of a stream, so a flood costs no memory beyond that. */
export function tailOf(stream: NodeJS.ReadableStream | null | undefined, keep: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  stream?.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    while (chunks.length > 1 && size - chunks[0]!.length >= keep) {
      size -= chunks.shift()!.length;
      dropped = true;
    }
  });
  return () => {
    const all = Buffer.concat(chunks);
    const cut = dropped || all.length > keep;
    return { text: (all.length > keep ? all.subarray(all.length - keep) : all).toString('utf8'), cut };
  };
}
