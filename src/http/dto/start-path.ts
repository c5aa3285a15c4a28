import { IsOptional, Matches } from 'class-validator';
import { IsInstanceId } from './is-instance-id.js';
import { MESSAGES, NAME_TEXT } from './query-values.js';

/** `POST /orchestrators/:name/:instanceId?`. */
export class StartPath {
  @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly name!: string;

  // Durable Functions' instance ID rules, exactly as the client applies them (1–256 UTF-16 code units, no `/ \ # ?`,
  // no control characters, no leading `@`).
  @IsOptional()
  @IsInstanceId()
  readonly instanceId?: string;
}
