import { allowedHostProblem, AllowedHosts } from './allowed-hosts.js';
import { FunctionKeys, functionKeyProblem } from './function-keys.js';

/** The request guard's options with every default filled in (see {@link resolveGuardOptions}). */
export interface ResolvedGuardOptions {
  /** The `Host` names served. */
  readonly hosts: AllowedHosts;
  /** Origins (`https://app.example.com`) whose cross-site state-changing requests are accepted, or `'any'`. */
  readonly origins: ReadonlySet<string> | 'any';
  /** `undefined` when the router takes no keys. */
  readonly keys: FunctionKeys | undefined;
  /** Whether a request body must be labelled JSON (the admin router; the dashboard reads no body). */
  readonly jsonBodies: boolean;
  /** The `WWW-Authenticate` challenge of a `401`. */
  readonly challenge: string;
  /** The option's owner as the user calls it (`adminRouter`, `dashboard`), for messages naming an option. */
  readonly owner: string;
}

/** The raw options the guard reads. */
interface GuardOptionValues {
  readonly allowedHosts?: unknown;
  readonly allowedOrigins?: unknown;
  readonly keys?: unknown;
}

const MAX_KEYS = 100;

/**
 * Checks `allowedHosts`, `allowedOrigins` and `keys` (when `withKeys`) and fills in the defaults: the loopback names,
 * no other origin, no keys. Calls `fail` with a message naming what is wrong.
 */
export function resolveGuardOptions(
  raw: GuardOptionValues,
  context: { readonly owner: string; readonly jsonBodies: boolean; readonly challenge: string },
  fail: (message: string) => never,
): ResolvedGuardOptions {
  const { owner } = context;
  return {
    hosts: new AllowedHosts(resolveHosts(raw.allowedHosts, owner, fail)),
    origins: resolveOrigins(raw.allowedOrigins, owner, fail),
    keys: resolveKeys(raw.keys, owner, fail),
    jsonBodies: context.jsonBodies,
    challenge: context.challenge,
    owner,
  };
}

function resolveHosts(value: unknown, owner: string, fail: (message: string) => never): readonly string[] | 'any' {
  if (value === undefined) return [];
  if (value === 'any') return 'any';
  if (!Array.isArray(value)) return fail(`${owner}: allowedHosts must be an array of host names (e.g. ['durably.example.com']) or 'any'.`);
  for (const entry of value as unknown[]) {
    const problem = allowedHostProblem(entry);
    if (problem !== undefined) fail(`${owner}: allowedHosts: ${problem}.`);
  }
  return value as string[];
}

function resolveOrigins(value: unknown, owner: string, fail: (message: string) => never): ReadonlySet<string> | 'any' {
  if (value === undefined) return new Set();
  if (value === 'any') return 'any';
  if (!Array.isArray(value)) return fail(`${owner}: allowedOrigins must be an array of origins (e.g. ['https://admin.example.com']) or 'any'.`);
  const origins = new Set<string>();
  for (const entry of value as unknown[]) {
    const origin = typeof entry === 'string' ? originOf(entry) : undefined;
    if (origin === undefined) {
      fail(`${owner}: allowedOrigins: ${JSON.stringify(entry) ?? String(entry)} is not an origin: write scheme, host and port only, e.g. 'https://admin.example.com'.`);
    }
    origins.add(origin);
  }
  return origins;
}

function resolveKeys(value: unknown, owner: string, fail: (message: string) => never): FunctionKeys | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_KEYS) {
    return fail(`${owner}: keys must be a non-empty array of at most ${MAX_KEYS} keys (strings).`);
  }
  (value as unknown[]).forEach((key, index) => {
    const problem = functionKeyProblem(key);
    // The key itself is never part of the message: configuration errors end up in logs.
    if (problem !== undefined) fail(`${owner}: keys[${index}]: ${problem}.`);
  });
  return new FunctionKeys(value as string[]);
}

/** The origin (`scheme://host[:port]`, lower-cased) of an `Origin` header value or an `allowedOrigins` entry. */
export function originOf(text: string): string | undefined {
  if (!/^https?:\/\/[^/?#]+\/?$/i.test(text) || !URL.canParse(text)) return undefined;
  const origin = new URL(text).origin;
  return origin === 'null' ? undefined : origin.toLowerCase();
}
