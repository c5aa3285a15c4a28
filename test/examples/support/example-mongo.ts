import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import type { ExampleOptions } from '../../../examples/shared/example-options.js';

/** A test MongoDB (see startTestMongo) for an example's `main()`, and the log lines of level error it received. */
export interface ExampleMongo {
  readonly mongo: TestMongo;
  /** Options for `main()`: the test server, a private database, and a logger that records errors. */
  readonly options: ExampleOptions;
  readonly errors: string[];
}

/** Starts the test server picked by startTestMongo (MONGODB_URI, a cached mongod, or the embedded engine). */
export async function startExampleMongo(): Promise<ExampleMongo> {
  const mongo = await startTestMongo();
  const errors: string[] = [];
  return {
    mongo,
    errors,
    options: {
      mongoUri: mongo.uri,
      dbName: mongo.dbName,
      logger: (level, message) => {
        if (level === 'error') errors.push(message);
      },
    },
  };
}
