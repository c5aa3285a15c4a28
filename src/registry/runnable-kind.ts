/**
 * What a registered class is: an activity, an orchestrator or an entity. All three share one name space
 * (case-insensitive).
 */
export type RunnableKind = 'activity' | 'orchestrator' | 'entity';

const titles: Record<RunnableKind, string> = { activity: 'Activity', orchestrator: 'Orchestrator', entity: 'Entity' };
const listOptions: Record<RunnableKind, string> = { activity: 'activities', orchestrator: 'orchestrators', entity: 'entities' };
const addMethods: Record<RunnableKind, string> = { activity: 'addActivity', orchestrator: 'addOrchestrator', entity: 'addEntity' };

/** `Activity` / `Orchestrator` / `Entity`: the decorator's name and the start of a sentence. */
export function kindTitle(kind: RunnableKind): string {
  return titles[kind];
}

/** The option of `Durably.create` / `DurableRegistry.from` that lists classes of this kind. */
export function kindListOption(kind: RunnableKind): string {
  return listOptions[kind];
}

/** The registry method that registers a class of this kind programmatically. */
export function kindAddMethod(kind: RunnableKind): string {
  return addMethods[kind];
}
