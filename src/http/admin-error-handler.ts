import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { structuredLog, type RuntimeLogger } from '../core/runtime-logger.js';
import { sendJson } from './send-json.js';
import { toHttpApiError } from './to-http-api-error.js';

/**
 * The router's last middleware: every error becomes a JSON `{ error, message, details }` with its status. Unexpected
 * errors are logged and answered with a generic `500`: no message, stack or cause of theirs leaves the server.
 */
export function adminErrorHandler(logger: RuntimeLogger): ErrorRequestHandler {
  const log = structuredLog(logger);
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const known = toHttpApiError(error);
    if (known !== undefined) return sendJson(res, known.status, known.toBody());
    log('error', `admin router: ${req.method} ${req.originalUrl} failed`, { error });
    sendJson(res, 500, { error: 'INTERNAL_ERROR', message: 'Something went wrong while processing the request; the server logged the details.', details: [] });
  };
}
