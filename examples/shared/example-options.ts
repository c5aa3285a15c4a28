import type { DurablyOptions } from '../../src/index.js';

/**
 * How an example's `main()` connects. Every field is optional: by default an example runs on `MONGODB_URI` when it
 * is set, and otherwise on the embedded engine that `Durably.create` starts in-process (memory only).
 */
export interface ExampleOptions {
  /** The MongoDB to run on. Default: `MONGODB_URI`, else the embedded engine. */
  readonly mongoUri?: string;
  /** The database. Default: the one in the URI, else `durably`. */
  readonly dbName?: string;
  /** Receives Durably's log lines. Default: warnings and errors to the console. */
  readonly logger?: DurablyOptions['logger'];
}

/** The part of `Durably.create`'s options that {@link ExampleOptions} sets (only the fields that were given). */
export function connectionOptions(options: ExampleOptions): Pick<DurablyOptions, 'mongoUri' | 'dbName' | 'logger'> {
  return {
    ...(options.mongoUri === undefined ? {} : { mongoUri: options.mongoUri }),
    ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
}
