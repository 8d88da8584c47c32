// A unified diff of two small texts (config files of a few dozen lines): one hunk over the whole
// file, lines matched by their longest common subsequence. Not meant for large inputs (quadratic).

/** The lines of a text without the empty string after its final newline. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Returns "--- a\n+++ b\n@@ … @@" and the lines prefixed " ", "-" or "+"; "" when the texts are equal.
 *  `before` undefined: the file is new (shown as /dev/null). */
export function formatUnifiedDiff(before: string | undefined, after: string, label: string): string {
  if (before === after) return '';
  const a = linesOf(before ?? '');
  const b = linesOf(after);
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const body: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      body.push(` ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // removals before additions, as diff(1) shows a changed line
      body.push(`-${a[i++]}`);
    } else {
      body.push(`+${b[j++]}`);
    }
  }
  const range = (n: number) => (n === 0 ? '0,0' : `1,${n}`);
  return [`--- ${before === undefined ? '/dev/null' : label}`, `+++ ${label}`, `@@ -${range(a.length)} +${range(b.length)} @@`, ...body].map((l) => `${l}\n`).join('');
}
