import { Matches } from 'class-validator';
import { MESSAGES, NAME_TEXT } from './query-values.js';

/** `/instances/:instanceId/...`: the ID of an existing instance (IDs that could never be created are simply not found). */
export class InstancePath {
  @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly instanceId!: string;
}
