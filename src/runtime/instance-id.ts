import { DurableError } from '../core/durable-error.js';

/**
 * Checks an instance ID against Durable Functions' rules: 1–256 characters, none of `/ \ # ?`, no control
 * characters, no leading `@` (reserved for entity IDs).
 * @throws DurableError with code `INVALID_INSTANCE_ID` naming the rule broken.
 */
export function assertValidInstanceId(instanceId: unknown): asserts instanceId is string {
  const fail = (why: string): never => {
    throw new DurableError('INVALID_INSTANCE_ID', `Invalid instance ID ${JSON.stringify(instanceId)}: ${why}`);
  };
  if (typeof instanceId !== 'string') fail('it must be a string');
  const id = instanceId as string;
  if (id.length === 0) fail('it is empty');
  if (id.length > 256) fail(`it is ${id.length} characters long; the limit is 256`);
  if (id.startsWith('@')) fail("a leading '@' is reserved for entity IDs");
  const bad = /[/\\#?]/.exec(id);
  if (bad !== null) fail(`the character '${bad[0]}' is not allowed (instance IDs appear in URLs)`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) fail('control characters are not allowed');
}
