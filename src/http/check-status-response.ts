import type { Request, Response } from 'express';
import type { CheckStatusPayload } from '../client/durable-client.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import type { AdminOperation } from './admin-operation.js';
import type { AdminRouteContext } from './admin-route-context.js';
import { presentedCodeOf, withCode } from './function-keys.js';
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
  // Built before waiting, so that a bad Host is refused at once.
  const payload = withPresentedCode(context.client.createCheckStatusResponse(requestBaseUrl(req), instanceId), presentedCodeOf(req));
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

/**
 * A request that authenticated with Durable Functions' `code` query parameter gets URLs that carry it too, as DF's
 * management URLs do, so that a client following them stays authenticated. A key sent in the header is not copied
 * into any URL.
 */
function withPresentedCode(payload: CheckStatusPayload, code: string | undefined): CheckStatusPayload {
  if (code === undefined) return payload;
  return {
    id: payload.id,
    statusQueryGetUri: withCode(payload.statusQueryGetUri, code),
    sendEventPostUri: withCode(payload.sendEventPostUri, code),
    terminatePostUri: withCode(payload.terminatePostUri, code),
    purgeHistoryDeleteUri: withCode(payload.purgeHistoryDeleteUri, code),
    restartPostUri: withCode(payload.restartPostUri, code),
    suspendPostUri: withCode(payload.suspendPostUri, code),
    resumePostUri: withCode(payload.resumePostUri, code),
  };
}
