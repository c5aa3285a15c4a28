import type { DependencyContainer } from 'tsyringe';
import { Durably } from '../../src/app/durably.js';
import type { DurablyOptions } from '../../src/runtime/durably-options.js';
import { startTestMongo, type TestMongo } from '../../src/testing/index.js';
import type { RunnableClass } from '../../src/engine/task-types.js';

/** A started Durably app on the test MongoDB (its own database), and how to tear it down. */
export interface TestApp {
  readonly durably: Durably;
  readonly mongo: TestMongo;
  stop(): Promise<void>;
}

/**
 * Starts a Durably app for a test suite: the server startTestMongo picks, a private database and task hub. Pass
 * `mongo` to run several apps on one database (e.g. to simulate a deploy): the app then leaves it running on stop.
 */
export async function startTestApp(options: {
  orchestrators?: readonly RunnableClass[];
  activities?: readonly RunnableClass[];
  container?: DependencyContainer;
  start?: boolean;
  mongo?: TestMongo;
} & Omit<DurablyOptions, 'orchestrators' | 'activities' | 'container' | 'mongoUri' | 'dbName'> = {}): Promise<TestApp> {
  const shared = options.mongo;
  const mongo = shared ?? await startTestMongo();
  const durably = await Durably.create({
    ...options,
    mongoUri: mongo.uri,
    dbName: mongo.dbName,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    logger: options.logger ?? ((level, message, ...args) => {
      if (level === 'error' && process.env.DURABLY_TEST_LOG !== 'silent') console.error(message, ...args);
    }),
  });
  if (options.start !== false) await durably.start();
  return {
    durably,
    mongo,
    stop: async () => {
      await durably.stop();
      if (shared === undefined) await mongo.stop();
    },
  };
}
