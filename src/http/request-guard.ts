import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parseHost } from './allowed-hosts.js';
import { FUNCTION_KEY_HEADER, FUNCTION_KEY_PARAMETER } from './function-keys.js';
import { HttpApiError, type HttpErrorDetail } from '../core/errors/http-api-error.js';
import { isJsonMediaType } from './read-json-body.js';
import { originOf, type ResolvedGuardOptions } from './resolve-guard-options.js';

// Methods that change nothing: a browser lets any page send them, but never lets it read the answer.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_ECHOED = 100;

/**
 * The first middleware of the admin router and the dashboard: what keeps a web page from driving them through the
 * visitor's browser, and strangers out. In order:
 *
 * 1. **Host** — the `Host` header (and the `X-Forwarded-Host` the app trusts, which ends up in the URLs handed out)
 *    must name a host the router serves (`allowedHosts`; default the loopback names): a page whose DNS name was
 *    rebound to this server sends its own name, and gets `403 HOST_NOT_ALLOWED`.
 * 2. **Cross-site** — a state-changing request (not GET/HEAD/OPTIONS) that a browser marks as sent by another site
 *    (`Sec-Fetch-Site: cross-site` or `same-site`; without it, an `Origin` whose host is not served) gets
 *    `403 CROSS_SITE_REQUEST`, unless its origin is in `allowedOrigins`. Clients that are not browsers send neither
 *    header and are not affected.
 * 3. **Keys** — with `keys`, a request without a valid `x-functions-key` header or `code` query parameter gets `401`.
 * 4. **JSON bodies** — a state-changing request carrying a body must label it JSON (`application/json`, `…+json`),
 *    otherwise `415`.
 */
export function createRequestGuard(options: ResolvedGuardOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    checkHost(req, options);
    if (!SAFE_METHODS.has(req.method)) checkSite(req, options);
    if (options.keys !== undefined) {
      const result = options.keys.check(req);
      if (!result.ok) {
        res.set('WWW-Authenticate', options.challenge);
        throw keyError(result.problem, result.field);
      }
    }
    if (options.jsonBodies && !SAFE_METHODS.has(req.method)) checkBodyType(req);
    next();
  };
}

function checkHost(req: Request, options: ResolvedGuardOptions): void {
  const header = req.headers.host;
  const host = parseHost(header);
  if (host === undefined) {
    throw new HttpApiError(400, 'INVALID_HOST', 'The request has no valid Host header.', [
      { location: 'header', field: 'host', message: 'must be a host name or address, with an optional port' },
    ]);
  }
  if (!options.hosts.allows(host)) throw hostNotAllowed('host', header as string, options);
  // Behind a proxy the app trusts, the forwarded host is what the URLs handed out are built from: it must be served too.
  const forwarded = (req.host as string | undefined) ?? header;
  if (forwarded !== header) {
    const parsed = parseHost(forwarded);
    if (parsed === undefined || !options.hosts.allows(parsed)) throw hostNotAllowed('x-forwarded-host', String(forwarded), options);
  }
}

function hostNotAllowed(field: string, host: string, options: ResolvedGuardOptions): HttpApiError {
  const message =
    // The configured names are not listed: they are none of a stranger's business.
    `This server does not answer to the host '${echo(host)}': it serves the loopback names (localhost, 127.0.0.1, [::1]) ` +
    `and those of its allowedHosts option. Served under another name — a public host name, or behind a reverse proxy ` +
    `that keeps it — add the name to the ${options.owner}'s allowedHosts option.`;
  return new HttpApiError(403, 'HOST_NOT_ALLOWED', message, [{ location: 'header', field, message: 'not a host this server answers to' }]);
}

function checkSite(req: Request, options: ResolvedGuardOptions): void {
  if (options.origins === 'any') return;
  const site = req.headers['sec-fetch-site'];
  const originHeader = req.headers.origin;
  const origin = originHeader === undefined ? undefined : originOf(originHeader);
  const allowedOrigin = origin !== undefined && options.origins.has(origin);
  if (site !== undefined) {
    // Set by the browser itself (a page cannot forge it): same-origin requests and ones the user typed are fine.
    if (site === 'same-origin' || site === 'none' || allowedOrigin) return;
    throw crossSite(req, 'sec-fetch-site', `Sec-Fetch-Site: ${echo(site)}`, options);
  }
  if (originHeader === undefined || allowedOrigin) return;
  // A browser without Sec-Fetch-Site: the Origin's host must be one this server answers to.
  const host = origin === undefined ? undefined : parseHost(new URL(origin).host);
  if (host === undefined || !options.hosts.allows(host)) throw crossSite(req, 'origin', `Origin: ${echo(originHeader)}`, options);
}

function crossSite(req: Request, field: string, evidence: string, options: ResolvedGuardOptions): HttpApiError {
  const message =
    `A browser sent this ${req.method} from another site (${evidence}): requests that change something are accepted ` +
    `from this server's own pages and from clients that are not browsers. To accept them from a web app on another ` +
    `origin, list that origin in the ${options.owner}'s allowedOrigins option.`;
  return new HttpApiError(403, 'CROSS_SITE_REQUEST', message, [{ location: 'header', field, message: 'cross-site requests cannot change anything here' }]);
}

function keyError(problem: 'missing' | 'invalid' | 'ambiguous', field: 'header' | 'query'): HttpApiError {
  const message = problem === 'missing' ? 'no key was sent' : problem === 'invalid' ? 'not a valid key' : 'more than one key was sent';
  const details: HttpErrorDetail[] = [field === 'header' ? { location: 'header', field: FUNCTION_KEY_HEADER, message } : { location: 'query', field: FUNCTION_KEY_PARAMETER, message }];
  switch (problem) {
    case 'missing':
      return new HttpApiError(401, 'UNAUTHENTICATED', `A key is required: send it in the ${FUNCTION_KEY_HEADER} header (or as the ${FUNCTION_KEY_PARAMETER} query parameter).`, details);
    case 'invalid':
      return new HttpApiError(401, 'UNAUTHENTICATED', 'The key sent is not valid.', details);
    default:
      return new HttpApiError(401, 'UNAUTHENTICATED', `Send one key: the ${FUNCTION_KEY_HEADER} header or the ${FUNCTION_KEY_PARAMETER} query parameter was given more than once.`, details);
  }
}

function checkBodyType(req: Request): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(length ?? 0) > 0;
  if (!hasBody) return;
  const contentType = req.headers['content-type'];
  if (isJsonMediaType(contentType)) return;
  const message = `The request body must be JSON (Content-Type: application/json), not ${contentType === undefined ? 'unlabelled' : echo(contentType)}.`;
  throw new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message, [{ location: 'header', field: 'content-type', message }]);
}

/** A header value quoted in a message: never at length. */
function echo(text: string): string {
  return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…` : text;
}
