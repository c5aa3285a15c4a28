/**
 * `durably` — Durable Functions for TypeScript, on MongoDB.
 *
 * Orchestrations are replayed from event-sourced histories kept as MongoDB documents, activities and durable timers
 * run as Agenda jobs, and entities keep their state in MongoDB. This entry point exports the authoring and runtime
 * API; `durably/embedded` holds the embedded MongoDB-compatible engine and `durably/testing` the test helpers.
 *
 * @module
 */

// Errors
export { DurableError, type DurableErrorOptions } from './core/durable-error.js';
