/**
 * Decorators, the per-app registry of activities, orchestrators and entities, and their resolution through tsyringe.
 *
 * @module
 */

// Authoring
export { Activity, Orchestrator, Entity, type ActivityOptions, type OrchestratorOptions, type EntityOptions } from './decorators.js';
export { DurableOrchestrator } from './durable-orchestrator.js';
export { InjectableBase } from './injectable-base.js';

// Registry
export { DurableRegistry, type DurableRegistryOptions, type OrchestratorInstance } from './durable-registry.js';
export type { RegisteredRunnable, RegistrableClass } from './registered-runnable.js';
export type { RunnableKind } from './runnable-kind.js';
export { MAX_RUNNABLE_NAME_LENGTH, RESERVED_NAME_PREFIX } from './runnable-name.js';
export { getRunnableMetadata, type RunnableMetadata } from './runnable-metadata.js';

// Resolution
export { ActivityResolver, type ActivityInstance } from './activity-resolver.js';
