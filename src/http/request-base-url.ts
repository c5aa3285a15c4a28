import type { Request } from 'express';
import { HttpApiError } from '../core/errors/http-api-error.js';

// A host name, IPv4 or [IPv6] address, with an optional port: anything else in Host / X-Forwarded-Host is refused
// rather than copied into the URLs the API hands out.
const HOST = /^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The scheme and authority of the request as its client sees it: `req.protocol` and `req.host`, which honour
 * `X-Forwarded-Proto` / `X-Forwarded-Host` only when the app's `trust proxy` setting trusts the sender.
 * @throws HttpApiError 400 for a missing or malformed host.
 */
export function requestOrigin(req: Request): string {
  const host = req.host as string | undefined;
  if (host === undefined || !HOST.test(host)) {
    throw new HttpApiError(400, 'INVALID_HOST', 'The request has no valid Host header.', [{ location: 'header', field: 'host', message: 'must be a host name or address, with an optional port' }]);
  }
  return `${req.protocol}://${host}`;
}

/** The URL the router is mounted at, as the client sees it (e.g. `https://api.example.com/runtime/webhooks/durabletask`). */
export function requestBaseUrl(req: Request): string {
  return `${requestOrigin(req)}${req.baseUrl}`;
}

/** The full URL of the request, query included (the `Location` of a `202` status response, as in Durable Functions). */
export function requestUrl(req: Request): string {
  return `${requestOrigin(req)}${req.originalUrl}`;
}
