import { DurableError } from '../durable-error.js';

/**
 * An orchestrator, activity or entity could not be registered or resolved: a duplicate name, a missing decorator, or a
 * name in a history that nothing is registered under. Code `REGISTRATION`.
 */
export class RegistrationError extends DurableError {
  constructor(message: string) {
    super('REGISTRATION', message);
  }
}
