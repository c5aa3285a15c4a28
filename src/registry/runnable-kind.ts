/** What a registered class is: an activity or an orchestrator. Activities and orchestrators share one name space. */
export type RunnableKind = 'activity' | 'orchestrator';

/** `Activity` / `Orchestrator`: the decorator's name and the start of a sentence. */
export function kindTitle(kind: RunnableKind): string {
  return kind === 'activity' ? 'Activity' : 'Orchestrator';
}

/** The option of `Durably.create` / `DurableRegistry.from` that lists classes of this kind. */
export function kindListOption(kind: RunnableKind): string {
  return kind === 'activity' ? 'activities' : 'orchestrators';
}

/** The registry method that registers a class of this kind programmatically. */
export function kindAddMethod(kind: RunnableKind): string {
  return kind === 'activity' ? 'addActivity' : 'addOrchestrator';
}
