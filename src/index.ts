/**
 * `durably` — Durable Functions for TypeScript, on MongoDB.
 *
 * Orchestrations are replayed from event-sourced histories kept as MongoDB documents, activities and durable timers
 * run as Agenda jobs, and entities keep their state in MongoDB. This entry point exports the authoring API
 * (decorators, base classes, the orchestration context), the errors, and the history types; `durably/embedded` holds
 * the embedded MongoDB-compatible engine and `durably/testing` the test helpers.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { Activity, Orchestrator, type OrchestrationContext } from 'durably';
 *
 * @Activity()
 * export class SayHello {
 *   async run(city: string): Promise<string> { return `Hello ${city}!`; }
 * }
 *
 * @Orchestrator()
 * export class HelloSequence {
 *   async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
 *     const out: string[] = [];
 *     for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
 *     return out;
 *   }
 * }
 * ```
 *
 * @module
 */
// Decorator metadata needs the polyfill before any decorated class is evaluated; the library entry loads it once.
import 'reflect-metadata';

// Running: the app, its options and the client
export { Durably } from './app/durably.js';
export type { DurablyOptions, DurablyTuning } from './runtime/durably-options.js';
export type { RetentionOptions } from './runtime/retention-options.js';
export type { VersioningOptions, VersionMatch, VersionMismatchAction } from './runtime/versioning-options.js';
export { compareVersions } from './core/orchestration-version.js';
export { consoleLogger, jsonConsoleLogger, pinoLogger } from './core/runtime-logger.js';
export type { RuntimeLogger, DurablyLogRecord, LifecycleEvent, LogLevel, JsonConsoleLoggerOptions, PinoLike } from './core/runtime-logger.js';
export { DurableClient } from './client/durable-client.js';
export type {
  StartNewOptions, GetStatusOptions, ListInstancesOptions, ListEntitiesOptions, ListPageBounds, EntityMetadata, CheckStatusPayload,
  ManagementUrls, ManagementUrlOptions, CheckStatusHttpResponse, WaitOrCheckStatusOptions,
} from './client/durable-client.js';
export { durableFunctionsClientInput } from './client/durable-functions-client-input.js';
export type { DurableFunctionsClientInput } from './client/durable-functions-client-input.js';
export type { OrchestrationStatus, HistoryViewEvent } from './client/orchestration-status.js';
export type { TerminateOptions, PurgeInstanceOptions } from './client/purge-instance-tree.js';
export type { PurgeInstancesFilter } from './client/purge-instances.js';
export type { RuntimeStatus, InstanceQuery } from './ports/instance-store.js';

// HTTP: the Durable Functions HTTP API as an Express router (durably.adminRouter)
export { createAdminRouter } from './http/create-admin-router.js';
export type { AdminRouter } from './http/create-admin-router.js';
export { ADMIN_OPERATIONS, READ_ONLY_ADMIN_OPERATIONS } from './http/admin-operation.js';
export type { AdminOperation } from './http/admin-operation.js';
export type {
  AdminRouterOptions, AdminRouterCommonOptions, AdminAuthorize, AuthorizationDecision, AdminRedact, AdminStatusCodes,
} from './http/admin-router-options.js';
export { AdminRouterConfigurationError } from './core/errors/admin-router-configuration-error.js';
export type { InstanceStatusPayload, FailureDetailsPayload } from './http/instance-status-payload.js';
export type { AdminReadLimits } from './http/read-limits.js';
export type { EntityStatusPayload } from './http/entity-status-payload.js';
export type { HttpErrorBody, HttpErrorDetail, HttpInputLocation } from './core/errors/http-api-error.js';

// Dashboard: the web UI over the admin router (durably.dashboard)
export { createDashboardRouter } from './http/dashboard/create-dashboard-router.js';
export type { DashboardRouter } from './http/dashboard/create-dashboard-router.js';
export type { DashboardOptions, DashboardCommonOptions } from './http/dashboard/dashboard-options.js';
export { DashboardConfigurationError } from './core/errors/dashboard-configuration-error.js';

// Authoring: decorators, registry and base classes
export * from './registry/index.js';

// The orchestration context and tasks
export type {
  OrchestrationContext, CallActivityOptions, ActivityTimeouts, CallSubOrchestratorOptions, WaitForEventOptions, ContinueAsNewOptions,
  ReplaySafeLogger,
} from './engine/orchestration-context.js';
export type { ActivityTask, DurableTask, TimerTask, TaskResult } from './engine/durable-task.js';
export type { ActivityContext } from './core/activity-context.js';
export type { EntityLock, SignalEntityOptions } from './engine/entity-lock.js';
export type { EntityProxy, EntitySignals, EntityClassRef, ClassBasedEntityCheck, ReservedEntityProxyName } from './engine/entity-proxy.js';
export type { RetryOptions } from './engine/retry-options.js';
export type { ActivityInput, ActivityOutput, OrchestratorInput, OrchestratorOutput, RunnableClass } from './engine/task-types.js';

// Durable entities: base class, contexts, IDs, typed proxies and the pure batch executor
export * from './entities/index.js';

// The replay engine (pure: history in, decision out)
export { executeOrchestration } from './engine/execute-orchestration.js';
export type { OrchestrationExecutionRequest } from './engine/orchestration-executor.js';
export type { OrchestrationDecision, OrchestrationCompletion } from './engine/orchestration-decision.js';
export { ENGINE_VERSION } from './engine/engine-version.js';

// History: events (facts) and actions (requests)
export { HistoryEventType } from './history/history-event.js';
export type * from './history/history-event.js';
export { OrchestratorActionType } from './history/orchestrator-action.js';
export type * from './history/orchestrator-action.js';

// Values crossing the durable boundary
export { encodePayload, decodePayload, payloadSize } from './core/codec.js';
export type { FailureDetails } from './core/failure-details.js';
export { failureDetailsFrom, errorFromFailureDetails } from './core/failure-details-from.js';

// Errors (all extend DurableError and carry a stable `code`)
export * from './core/errors/index.js';

// Observability: trace contexts as stored, and the SDK ID generator that keeps an orchestration's span whole across a
// takeover (see docs/observability.md)
export { DurablyIdGenerator } from './telemetry/durably-id-generator.js';
export type { SpanIdGenerator } from './telemetry/durably-id-generator.js';
export type { TraceContext } from './core/trace-context.js';
