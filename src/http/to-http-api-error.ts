import { DurableError } from '../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { InstanceStateConflictError } from '../core/errors/instance-state-conflict-error.js';
import { InvalidPayloadError } from '../core/errors/invalid-payload-error.js';
import { PayloadTooLargeError } from '../core/errors/payload-too-large-error.js';
import { RegistrationError } from '../core/errors/registration-error.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import { UnknownEntityTypeError } from '../core/errors/unknown-entity-type-error.js';

/** body-parser's errors carry an HTTP status and a `type`. */
interface BodyParserError {
  readonly status?: unknown;
  readonly type?: unknown;
}

/**
 * The HTTP answer for an error raised while serving a request, or `undefined` for an unexpected one (a `500` whose
 * details are logged, never sent).
 */
export function toHttpApiError(error: unknown): HttpApiError | undefined {
  if (error instanceof HttpApiError) return error;
  if (error instanceof InstanceNotFoundError) {
    return new HttpApiError(404, error.code, error.message, [{ location: 'path', field: 'instanceId', message: 'no such instance' }], { cause: error });
  }
  if (error instanceof InstanceAlreadyExistsError) {
    return new HttpApiError(409, error.code, error.message, [{ location: 'path', field: 'instanceId', message: `an instance with this ID is ${error.runtimeStatus}` }], { cause: error });
  }
  if (error instanceof InstanceStateConflictError) {
    // Durable Functions defines no answer for it (it accepts a redundant suspend or resume): 409 Conflict.
    return new HttpApiError(409, error.code, error.message, [{ location: 'path', field: 'instanceId', message: `the instance is ${error.runtimeStatus}` }], { cause: error });
  }
  if (error instanceof PayloadTooLargeError) {
    return new HttpApiError(413, error.code, error.message, [{ location: 'body', field: '(body)', message: `${error.size} bytes after encoding; the limit is ${error.limit}` }], { cause: error });
  }
  if (error instanceof InvalidPayloadError) {
    return new HttpApiError(400, error.code, error.message, [{ location: 'body', field: error.path, message: error.reason }], { cause: error });
  }
  if (error instanceof UnknownEntityTypeError) {
    return new HttpApiError(error.status, error.code, error.message, [{ location: 'path', field: 'entityName', message: 'no entity is registered under this name' }], { cause: error });
  }
  if (error instanceof RegistrationError) {
    // Only the orchestrator routes can meet one (the entity routes check entity names themselves, above).
    return new HttpApiError(400, 'UNKNOWN_ORCHESTRATOR', error.message, [{ location: 'path', field: 'name', message: 'no orchestrator is registered under this name' }], { cause: error });
  }
  if (error instanceof DurableError) {
    switch (error.code) {
      case 'INSTANCE_NOT_RUNNING':
        return new HttpApiError(410, error.code, error.message, [], { cause: error });
      case 'INSTANCE_NOT_FAILED':
        // Durable Functions answers a rewind of an instance that is not Failed with 412 Precondition Failed.
        return new HttpApiError(412, error.code, error.message, [], { cause: error });
      case 'INVALID_INSTANCE_ID':
        return new HttpApiError(400, error.code, error.message, [{ location: 'path', field: 'instanceId', message: error.message }], { cause: error });
      case 'INVALID_ENTITY_ID':
        return new HttpApiError(400, error.code, error.message, [{ location: 'path', field: 'entityName', message: error.message }], { cause: error });
      case 'INVALID_CONTINUATION_TOKEN':
        return new HttpApiError(400, error.code, error.message, [{ location: 'header', field: 'x-ms-continuation-token', message: 'not a token returned by a previous page' }], { cause: error });
      case 'INVALID_ARGUMENT':
        return new HttpApiError(400, error.code, error.message, [], { cause: error });
      default:
        return undefined;
    }
  }
  return fromBodyParser(error);
}

function fromBodyParser(error: unknown): HttpApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as BodyParserError;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (type) {
    case 'entity.too.large':
      return new HttpApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the admin router accepts (its maxBodyBytes option).', [{ location: 'body', field: '(body)', message: 'too large' }], { cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body uses a content encoding or charset the admin router does not read.', [{ location: 'header', field: 'content-encoding', message: 'unsupported' }], { cause: error });
    default:
      // Aborted or malformed requests, and Express's own 400 for a path that is not valid percent-encoding.
      return new HttpApiError(400, 'BAD_REQUEST', 'The request could not be read.', [], { cause: error });
  }
}
