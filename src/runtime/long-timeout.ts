// setTimeout for any delay: Node fires a timer of more than 2^31-1 ms (about 24.8 days) after 1 ms
// (with a warning), so "timeout": "600h" would end a tool at once. Longer delays are chained.
const MAX_DELAY = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_DELAY ? arm(left - MAX_DELAY) : fn()), Math.min(left, MAX_DELAY));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
