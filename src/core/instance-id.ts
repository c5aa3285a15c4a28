import { DurableError } from './durable-error.js';

/**
 * Why `instanceId` breaks Durable Functions' instance ID rules, or `undefined` when it keeps them: 1–256 characters
 * (UTF-16 code units, as JavaScript's `length` and .NET count them), none of `/ \ # ?`, no control characters, no
 * leading `@` (reserved for entity IDs). The one rule the client and the HTTP API both apply.
 */
export function instanceIdProblem(instanceId: unknown): string | undefined {
  if (typeof instanceId !== 'string') return 'it must be a string';
  if (instanceId.length === 0) return 'it is empty';
  if (instanceId.length > 256) return `it is ${instanceId.length} characters long (UTF-16 code units); the limit is 256`;
  if (instanceId.startsWith('@')) return "a leading '@' is reserved for entity IDs";
  const bad = /[/\\#?]/.exec(instanceId);
  if (bad !== null) return `the character '${bad[0]}' is not allowed (instance IDs appear in URLs)`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
  if (/[\u0000-\u001f\u007f-\u009f]/.test(instanceId)) return 'control characters are not allowed';
  return undefined;
}

/**
 * Checks an instance ID against Durable Functions' rules (see {@link instanceIdProblem}).
 * @throws DurableError with code `INVALID_INSTANCE_ID` naming the rule broken.
 */
export function assertValidInstanceId(instanceId: unknown): asserts instanceId is string {
  const problem = instanceIdProblem(instanceId);
  if (problem !== undefined) throw new DurableError('INVALID_INSTANCE_ID', `Invalid instance ID ${JSON.stringify(instanceId)}: ${problem}`);
}
