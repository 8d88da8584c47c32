// Parses JSON with comments and trailing commas, reporting the first syntax error with line and column.
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

export interface JsoncResult {
  value: unknown;
  /** "line 3, column 7: CommaExpected", or undefined when the text is valid. */
  error?: string;
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/** Returns the parsed value (best effort when broken) and the first syntax error, if any. */
export function parseJsonc(text: string): JsoncResult {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (!first) return { value };
  return { value, error: `${position(text, first.offset)}: ${printParseErrorCode(first.error)}` };
}
