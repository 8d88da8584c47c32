// The API's small router: a route is a method, a path pattern and a handler returning JSON. Shim's own
// errors become 400 answers with their message and hint (as the CLI prints them); others are 500.
import { isShimError } from '../errors.js';

export interface ApiRequest {
  /** The path pattern's groups, decoded. */
  params: string[];
  query: URLSearchParams;
  /** The JSON body of a POST ({} when empty). */
  body: Record<string, unknown>;
}

export interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handler: (req: ApiRequest) => Promise<unknown>;
}

/** An answer other than 200 chosen by a handler. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The route for a method and path, with the path's groups; undefined when none matches. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): { route: Route; params: string[] } | 'wrong-method' | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.path.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    try {
      return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return undefined;
    }
  }
  return pathMatched ? 'wrong-method' : undefined;
}

/** The status and JSON body of a failed handler. */
export function errorAnswer(e: unknown): { status: number; body: { error: string; hint?: string } } {
  if (e instanceof HttpError) return { status: e.status, body: { error: e.message } };
  if (isShimError(e)) return { status: 400, body: { error: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  return { status: 500, body: { error: `internal error in shim: ${(e as Error)?.message ?? String(e)}` } };
}

/** A string field of a request body, or a 400. */
export function field(body: Record<string, unknown>, key: string, optional = false): string {
  const v = body[key];
  if (typeof v === 'string' && v.length <= 4096) return v;
  if (optional && v === undefined) return '';
  throw new HttpError(400, `the request needs "${key}" as a string`);
}

/** Path segment patterns: session names and snapshot ids are checked again by the commands. */
export const NAME = '([A-Za-z0-9][A-Za-z0-9._+-]{0,63})';
