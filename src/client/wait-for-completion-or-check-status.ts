import { DurableError } from '../core/durable-error.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import type { DurableClient } from './durable-client.js';
import type { CheckStatusPayload } from './management-urls.js';
import type { OrchestrationStatus } from './orchestration-status.js';

/** Options of `client.waitForCompletionOrCreateCheckStatusResponse`. */
export interface WaitOrCheckStatusOptions {
  /** How long to wait for the instance to finish before answering `202`. Default 10 000 ms, as Durable Functions. */
  readonly timeoutMs?: number;
  /** A key to put into the check-status URLs as `code=` (see `adminRouter({ keys })`). Default: none. */
  readonly key?: string;
  /** Answer a Failed instance with `500` instead of `200` (the body is its status either way), as DF's option. */
  readonly returnInternalServerErrorOnFailure?: boolean;
}

/**
 * An HTTP answer, framework-neutral: send `status`, set `headers`, and send `body` as JSON
 * (`res.status(r.status).set(r.headers).json(r.body)` in Express).
 */
export interface CheckStatusHttpResponse {
  /** `200` finished (`500` for a failure when asked), `202` still running. */
  readonly status: 200 | 202 | 500;
  /** `Location` and `Retry-After` with a `202`; none otherwise. */
  readonly headers: Readonly<Record<string, string>>;
  /** The output (Completed), the status (Failed, Terminated, Canceled), or the check-status payload (`202`). */
  readonly body: unknown;
}

// Durable Functions' default wait, and the Retry-After of its check-status answer.
const DEFAULT_TIMEOUT_MS = 10_000;
const RETRY_AFTER_SECONDS = 10;

/**
 * Durable Functions' `WaitForCompletionOrCreateCheckStatusResponse`: see
 * `DurableClient.waitForCompletionOrCreateCheckStatusResponse`.
 */
export async function waitForCompletionOrCheckStatus(
  client: DurableClient,
  baseUrl: string,
  instanceId: string,
  options: WaitOrCheckStatusOptions,
): Promise<CheckStatusHttpResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new DurableError('INVALID_ARGUMENT', `timeoutMs must be a non-negative number of milliseconds, got ${String(timeoutMs)}`);
  }
  // Built first: a bad base URL or key is an error at once, not after the wait.
  const payload: CheckStatusPayload = client.createCheckStatusResponse(baseUrl, instanceId, options.key === undefined ? {} : { key: options.key });
  let status: OrchestrationStatus;
  try {
    status = await client.waitForCompletion(instanceId, { timeoutMs });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    return { status: 202, headers: { Location: payload.statusQueryGetUri, 'Retry-After': String(RETRY_AFTER_SECONDS) }, body: payload };
  }
  if (status.runtimeStatus === 'Completed') return { status: 200, headers: {}, body: status.output };
  return { status: status.runtimeStatus === 'Failed' && options.returnInternalServerErrorOnFailure === true ? 500 : 200, headers: {}, body: status };
}
