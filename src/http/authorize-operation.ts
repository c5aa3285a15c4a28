import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminOperation } from './admin-operation.js';
import type { AdminAuthorize, AuthorizationDecision } from './admin-router-options.js';
import { DurableError } from '../core/durable-error.js';
import { HttpApiError } from '../core/errors/http-api-error.js';

/**
 * The middleware that asks `authorize` about `operationOf` (an operation, or how to tell it from the request) before
 * anything else of the request is read. `undefined` authorize means `auth: 'none'` or `keys` alone (the request guard
 * has checked the key). A hook that throws or answers something else is a `DurableError` `AUTHORIZE_HOOK_FAILED`,
 * which the router logs and answers with a generic `500`.
 */
export function authorizeOperation(
  operationOf: AdminOperation | ((req: Request) => AdminOperation),
  authorize: AdminAuthorize | undefined,
  challenge: string,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (authorize === undefined) return next();
    const operation = typeof operationOf === 'function' ? operationOf(req) : operationOf;
    let decision: AuthorizationDecision;
    try {
      decision = await authorize(req, operation);
    } catch (error) {
      throw new DurableError('AUTHORIZE_HOOK_FAILED', `The admin router's authorize hook failed for ${operation}; the request is denied.`, { cause: error });
    }
    if (decision === true || decision === 'allow') return next();
    if (decision === 'unauthenticated') {
      res.set('WWW-Authenticate', challenge);
      throw new HttpApiError(401, 'UNAUTHENTICATED', 'Authentication is required: send credentials in a request header.');
    }
    if (decision === false || decision === 'forbidden') {
      throw new HttpApiError(403, 'FORBIDDEN', `The credentials sent do not allow the operation '${operation}'.`);
    }
    throw new DurableError(
      'AUTHORIZE_HOOK_FAILED',
      `The admin router's authorize hook returned ${JSON.stringify(decision) ?? String(decision)} for ${operation}; ` +
        "it must return true, false, 'allow', 'forbidden' or 'unauthenticated'. The request is denied.",
    );
  };
}
