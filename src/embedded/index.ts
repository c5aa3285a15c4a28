/**
 * `durably/embedded` — an in-process MongoDB-compatible engine for development, tests and examples.
 *
 * It speaks the MongoDB wire protocol (OP_MSG), so the official `mongodb` driver and Agenda run against it unchanged.
 * With `dbPath` every acknowledged write is journaled and survives a crash; with `auth` every connection must
 * authenticate (SCRAM-SHA-256), and only then may it listen beyond loopback. It is not a production database: see
 * `docs/embedded-engine.md` for what it supports and how it differs from MongoDB.
 *
 * @module
 */
export { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoCredentials, type EmbeddedMongoOptions } from './start-embedded-mongo.js';
export { EmbeddedEngineError, type EmbeddedEngineErrorCode, type EmbeddedEngineErrorOptions } from '../core/errors/embedded-engine-error.js';
