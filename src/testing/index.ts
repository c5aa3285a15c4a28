/**
 * Test helpers for code that uses Durably: a MongoDB server and a private database per test suite (no download, no
 * Docker), and replay tests of orchestrators from histories built with {@link HistoryBuilder}.
 *
 * @example
 * ```ts
 * import { startTestMongo } from 'durably/testing';
 *
 * const mongo = await startTestMongo();   // MONGODB_URI, a cached mongod, or the embedded engine
 * // connect to mongo.uri and use the database mongo.dbName ...
 * await mongo.stop();                     // drops mongo.dbName and stops what was started
 * ```
 *
 * @module
 */
export { startTestMongo } from './start-test-mongo.js';
export type { StartTestMongoOptions, TestMongo, TestMongoKind } from './start-test-mongo.js';

// Replay tests: histories in, decisions out (no database)
export { HistoryBuilder, type HistoryBuilderOptions } from './history-builder.js';
export { replayHistory, yieldToEventLoop, type ReplayHistoryOptions } from './replay-history.js';
export { parseHistory } from '../history/parse-history.js';

// The real runtime on a private database with a virtual clock
export { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from './create-test-environment.js';
