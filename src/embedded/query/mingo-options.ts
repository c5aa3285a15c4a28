import { ProcessingMode } from 'mingo';
import type { Options } from 'mingo/types';
import { CommandError } from '../commands/command-error.js';

/**
 * mingo options shared by every query, projection and pipeline. Scripts are off: `$where`, `$function` and
 * `$accumulator` would evaluate strings sent by clients as code.
 */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { idKey: '_id', scriptEnabled: false, processingMode: ProcessingMode.CLONE_OFF, ...extra };
}

/** Runs a mingo call, turning its errors into MongoDB's BadValue (the closest code for an invalid expression). */
export function withMingo<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    const message = (error as Error).message;
    throw new CommandError('BadValue', `${what}: ${message}`);
  }
}
