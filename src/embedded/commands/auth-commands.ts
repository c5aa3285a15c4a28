import { CommandError } from '../../core/errors/command-error.js';
import type { CommandHandler } from './command-context.js';

/** `saslStart`: the first step of a SCRAM-SHA-256 conversation (see `ConnectionAuth`). */
export const saslStart: CommandHandler = (command, context) => ({ ...context.auth.saslStart(command, context.db), ok: 1 });

/** `saslContinue`: the next steps. */
export const saslContinue: CommandHandler = (command, context) => ({ ...context.auth.saslContinue(command), ok: 1 });

/** `logout`: deprecated in mongod but still answered; the connection is unauthenticated again. */
export const logout: CommandHandler = (_command, context) => {
  context.auth.logout();
  return { ok: 1 };
};

/** `authenticate`: the MONGODB-X509 (and removed MONGODB-CR) command; the engine has no certificates. */
export const authenticate: CommandHandler = (command) => {
  const mechanism = typeof command.mechanism === 'string' ? command.mechanism : 'MONGODB-CR';
  throw new CommandError('MechanismUnavailable', `Received authentication for mechanism ${mechanism} which is not enabled`);
};
