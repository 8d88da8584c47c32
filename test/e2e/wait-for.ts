// Waiting on what a process prints, not on a clock: the tests read the port shim chose, or a server's
// ready line, from the stream itself.

/** Resolves with the text once `stream` has printed something matching `re`. */
export function waitFor(stream: NodeJS.ReadableStream, re: RegExp, what: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`waited for ${re}; saw: ${what()}`)), 120_000);
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}
