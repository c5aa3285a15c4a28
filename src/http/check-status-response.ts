import type { Request, Response } from 'express';
import { TimeoutError } from '../core/errors/timeout-error.js';
import type { AdminOperation } from './admin-operation.js';
import type { AdminRouteContext } from './admin-route-context.js';
import { presentedCodeOf } from './function-keys.js';
import { presentStatus } from './present-status.js';
import { requestBaseUrl } from './request-base-url.js';
import { sendJson } from './send-json.js';

// Durable Functions asks pollers of a just-started instance to come back in 10 s, and of a running one in 5 s.
const START_RETRY_AFTER_SECONDS = 10;

/**
 * Answers a start or restart: `202` with the check-status payload (`client.createCheckStatusResponse`, its URLs under
 * the request's own base) and the `Location` and `Retry-After` headers. With `waitMs`, first waits up to that long:
 * `200` with the output when the instance completes, `200` with its status when it fails or is terminated or canceled
 * (as Durable Functions' `WaitForCompletionOrCreateCheckStatusResponseAsync`), else the `202`.
 */
export async function respondWithCheckStatus(
  context: AdminRouteContext,
  req: Request,
  res: Response,
  operation: AdminOperation,
  instanceId: string,
  waitMs: number | undefined,
): Promise<void> {
  // Built before waiting, so that a bad Host is refused at once. A request that authenticated with DF's `code` query
  // parameter gets URLs that carry it too, as DF's management URLs do, so that a client following them stays
  // authenticated; a key sent in the header is never copied into a URL.
  const code = presentedCodeOf(req);
  const payload = context.client.createCheckStatusResponse(requestBaseUrl(req), instanceId, code === undefined ? {} : { key: code });
  if (waitMs !== undefined) {
    try {
      // Durably waits with its own short polling, like Durable Functions' poll-free providers, which also ignore
      // pollingInterval (it is still validated).
      const status = await context.client.waitForCompletion(instanceId, { timeoutMs: waitMs });
      const presented = await presentStatus(context.settings, req, operation, status);
      sendJson(res, 200, status.runtimeStatus === 'Completed' ? presented.output : presented);
      return;
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
  }
  res.set('Location', payload.statusQueryGetUri).set('Retry-After', String(START_RETRY_AFTER_SECONDS));
  sendJson(res, 202, payload);
}
