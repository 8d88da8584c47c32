// Output that shim copies instead of inheriting: a byte budget shared by stdout and stderr, and a
// reader that goes away (`tool | head -1`) noticed so the child's output is drained, never written.

export interface Budget {
  left: number;
  cut: boolean;
  /** The reader closed our stdout or stderr: nothing more is written anywhere, the rest is drained. */
  closed: boolean;
}

/** Copies a child's output stream to ours within a shared byte budget, honouring backpressure. */
export function copyWithBudget(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, budget: Budget, onCut: () => void) {
  from.on('data', (chunk: Buffer) => {
    if (budget.left <= 0 || budget.closed) return;
    const part = chunk.length <= budget.left ? chunk : chunk.subarray(0, budget.left);
    budget.left -= part.length;
    if (!to.write(part)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    if (budget.left <= 0 && !budget.cut) {
      budget.cut = true;
      onCut();
    }
  });
}

/** Watches our stdout and stderr while output is copied: a reader that goes away (EPIPE) calls
 *  `onClosed` once, and the paused copies resume so the child's output is drained, never written.
 *  Returns the function that stops watching. */
export function watchOutputClosed(streams: readonly NodeJS.WritableStream[], sources: readonly NodeJS.ReadableStream[], budget: Budget, onClosed: () => void): () => void {
  const onError = () => {
    if (budget.closed) return;
    budget.closed = true;
    for (const s of sources) s.resume();
    onClosed();
  };
  for (const s of streams) s.on('error', onError);
  return () => {
    // once closed, later writes (shim's own messages) would fail the same way: they are dropped
    for (const s of streams) {
      s.off('error', onError);
      if (budget.closed) s.on('error', () => {});
    }
  };
}
