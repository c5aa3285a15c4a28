import { Matches } from 'class-validator';
import { InstancePath } from './instance-path.js';
import { MESSAGES, NAME_TEXT } from './query-values.js';

/** `POST /instances/:instanceId/raiseEvent/:eventName`. */
export class RaiseEventPath extends InstancePath {
  @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly eventName!: string;
}
