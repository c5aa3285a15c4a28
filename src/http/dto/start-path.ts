import { IsOptional, Matches } from 'class-validator';
import { MESSAGES, NAME_TEXT } from './query-values.js';

// Durable Functions' instance ID rules: no `/ \ # ?`, no control characters, no leading `@` (entity IDs).
// eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
const NEW_INSTANCE_ID = /^[^@/\\#?\u0000-\u001f\u007f-\u009f][^/\\#?\u0000-\u001f\u007f-\u009f]{0,255}$/u;

/** `POST /orchestrators/:name/:instanceId?`. */
export class StartPath {
  @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly name!: string;

  @IsOptional()
  @Matches(NEW_INSTANCE_ID, { message: "$property must be 1 to 256 characters, without '/', '\\', '#', '?', control characters or a leading '@'" })
  readonly instanceId?: string;
}
