import { DurableError } from '../durable-error.js';
import type { DurableErrorCode } from './error-code.js';

/** Where a rejected input was found. */
export type HttpInputLocation = 'path' | 'query' | 'header' | 'body';

/** One problem with a request's input, naming the field. */
export interface HttpErrorDetail {
  readonly location: HttpInputLocation;
  /** The parameter, header or body field, e.g. `top` or `x-ms-continuation-token`. */
  readonly field: string;
  readonly message: string;
}

/**
 * The JSON body of every error the admin router sends (4xx and 5xx). `error` is a stable code (e.g.
 * `INVALID_QUERY_PARAMETER`, `INSTANCE_NOT_FOUND`); `details` names the offending fields, and is empty when no input
 * field is to blame.
 */
export interface HttpErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details: readonly HttpErrorDetail[];
}

/**
 * An error the admin router answers with a JSON {@link HttpErrorBody}: an HTTP status, a stable code and the fields
 * involved. Internal to the router: it never reaches the caller of `createAdminRouter`.
 */
export class HttpApiError extends DurableError {
  readonly status: number;
  readonly details: readonly HttpErrorDetail[];
  /**
   * Sent as Durable Functions sends it: the message alone, as a JSON string. Only where a DF client makes its error
   * out of the body (its `rewind` throws `new Error(body)`, which an object would turn into `[object Object]`).
   */
  readonly messageBody: boolean;

  constructor(
    status: number, code: DurableErrorCode, message: string, details: readonly HttpErrorDetail[] = [], options: { cause?: unknown; messageBody?: boolean } = {},
  ) {
    super(code, message, options);
    this.status = status;
    this.details = details;
    this.messageBody = options.messageBody === true;
  }

  /** The JSON body sent for this error: an {@link HttpErrorBody}, or the message alone (see {@link messageBody}). */
  toBody(): HttpErrorBody | string {
    return this.messageBody ? this.message : { error: this.code, message: this.message, details: this.details };
  }
}
