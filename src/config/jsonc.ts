// Parses JSON with comments and trailing commas, reporting the first syntax error with line and column.
// Objects are built with every key as an own property: a "__proto__" key must be seen (and refused by
// validation) rather than silently becoming the object's prototype, where a validator reading
// `value.network` would find a value no file visibly set.
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

export interface JsoncResult {
  value: unknown;
  /** "line 3, column 7: CommaExpected", or undefined when the text is valid. */
  error?: string;
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function toValue(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const obj: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (!key) continue;
        Object.defineProperty(obj, String(key.value), { value: toValue(value), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }
    case 'array':
      return (node.children ?? []).map(toValue);
    default:
      return node.value;
  }
}

/** Returns the parsed value (best effort when broken) and the first syntax error, if any. */
export function parseJsonc(text: string): JsoncResult {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const value = toValue(tree);
  const first = errors[0];
  if (!first) return { value };
  return { value, error: `${position(text, first.offset)}: ${printParseErrorCode(first.error)}` };
}
