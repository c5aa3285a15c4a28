/**
 * Test helpers for code that uses Durably: a MongoDB server and a private database per test suite, with no
 * download and no Docker needed.
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
