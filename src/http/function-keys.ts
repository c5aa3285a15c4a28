import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** The header Durable Functions (and Azure Functions) read a function or system key from. */
export const FUNCTION_KEY_HEADER = 'x-functions-key';

/** The query parameter Durable Functions reads a key from (its management URLs carry `code=`). */
export const FUNCTION_KEY_PARAMETER = 'code';

/** Shortest key accepted: a short key can be guessed by trying. */
export const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 1024;
// Visible ASCII only: a key travels in a header and in a URL.
const KEY_TEXT = /^[\x21-\x7e]+$/;

/** How a request presented a key, as {@link FunctionKeys.check} found it. */
export type KeyCheck =
  | { readonly ok: true; readonly via: 'header' | 'query' }
  | { readonly ok: false; readonly problem: 'missing' | 'invalid' | 'ambiguous'; readonly field: 'header' | 'query' };

// The key a request authenticated with through `?code=`, so that the URLs handed back to it carry it too (as Durable
// Functions' management URLs do). Never set for a key sent in the header: a key is not put into a URL it was not in.
const codeOfRequest = new WeakMap<Request, string>();

/**
 * One entry of a `keys` option, checked when the router is created.
 * @returns why the key is unusable, or `undefined` when it is fine.
 */
export function functionKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `a key must be a string, got ${typeof key}`;
  if (key.length < MIN_KEY_LENGTH) return `a key must be at least ${MIN_KEY_LENGTH} characters long (got ${key.length}); generate one, e.g. crypto.randomBytes(32).toString('base64url')`;
  if (key.length > MAX_KEY_LENGTH) return `a key must be at most ${MAX_KEY_LENGTH} characters long`;
  if (!KEY_TEXT.test(key)) return 'a key must be visible ASCII characters only (no spaces): it is sent in a header or a URL';
  return undefined;
}

/**
 * Durable Functions' keys: a request is authenticated when its `x-functions-key` header or its `code` query parameter
 * equals one of the keys. Compared in constant time: each candidate and each key are hashed, and every key is compared.
 */
export class FunctionKeys {
  readonly #digests: readonly Buffer[];

  /** @param keys - Keys that passed {@link functionKeyProblem}. */
  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** Whether `candidate` is one of the keys. */
  matches(candidate: string): boolean {
    const presented = digest(candidate);
    let found = false;
    // No early exit: the time taken does not depend on which key matched, or how much of one.
    for (const key of this.#digests) found = timingSafeEqual(presented, key) || found;
    return found;
  }

  /** Checks the key `req` presents (header first, then `?code=`) and remembers a `code` that authenticated it. */
  check(req: Request): KeyCheck {
    const header = req.headers[FUNCTION_KEY_HEADER];
    const codes = codesOf(req);
    if (Array.isArray(header)) return { ok: false, problem: 'ambiguous', field: 'header' };
    if (header !== undefined && header !== '') {
      return this.matches(header) ? { ok: true, via: 'header' } : { ok: false, problem: 'invalid', field: 'header' };
    }
    if (codes.length > 1) return { ok: false, problem: 'ambiguous', field: 'query' };
    const code = codes[0];
    if (code === undefined || code === '') return { ok: false, problem: 'missing', field: 'header' };
    if (!this.matches(code)) return { ok: false, problem: 'invalid', field: 'query' };
    codeOfRequest.set(req, code);
    return { ok: true, via: 'query' };
  }
}

/** The key `req` authenticated with through its `code` query parameter, if it did (see {@link FunctionKeys.check}). */
export function presentedCodeOf(req: Request): string | undefined {
  return codeOfRequest.get(req);
}

/** Every value of the `code` query parameter (name matched ignoring case, as every query parameter is). */
function codesOf(req: Request): string[] {
  const questionMark = req.originalUrl.indexOf('?');
  if (questionMark === -1) return [];
  const codes: string[] = [];
  for (const [name, value] of new URLSearchParams(req.originalUrl.slice(questionMark + 1))) {
    if (name.toLowerCase() === FUNCTION_KEY_PARAMETER) codes.push(value);
  }
  return codes;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
