import type { RegistrableClass, RegisteredRunnable } from './registered-runnable.js';
import { kindAddMethod, kindListOption, kindTitle, type RunnableKind } from './runnable-kind.js';
import { quoteName } from './runnable-name.js';

// Message builders for RegistrationError. Every message names the classes involved and where each was declared and
// registered, so that a conflict between two modules can be fixed without searching for the other one.

/** A class about to be registered (or already registered): what the messages need to know about it. */
export interface RunnableDescription {
  readonly kind: RunnableKind;
  readonly type: RegistrableClass;
  readonly declaredAt?: string | undefined;
  readonly registeredAt?: string | undefined;
}

/** `activity SayHello (declared at src/say-hello.ts:12, registered at src/main.ts:30)`. */
export function describeRunnable(runnable: RunnableDescription): string {
  return `${runnable.kind} ${className(runnable.type)}${places(runnable)}`;
}

/** ` (declared at …, registered at …)`, or '' when neither place is known. */
export function places(runnable: Pick<RunnableDescription, 'declaredAt' | 'registeredAt'>): string {
  const parts: string[] = [];
  if (runnable.declaredAt !== undefined) parts.push(`declared at ${runnable.declaredAt}`);
  if (runnable.registeredAt !== undefined) parts.push(`registered at ${runnable.registeredAt}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function className(type: { readonly name: string }): string {
  return type.name === '' ? '<anonymous class>' : type.name;
}

/** How to give a class of this kind an explicit name. */
export function renameHint(kind: RunnableKind, type: RegistrableClass): string {
  return `@${kindTitle(kind)}({ name: '...' }) or registry.${kindAddMethod(kind)}(${className(type)}, { name: '...' })`;
}

export function duplicateName(name: string, existing: RegisteredRunnable, candidate: RunnableDescription): string {
  const sameSpelling = existing.name === name;
  const head = sameSpelling
    ? `${kindTitle(candidate.kind)} name ${quoteName(name)} is already used by ${describeRunnable(existing)}`
    : `${kindTitle(candidate.kind)} name ${quoteName(name)} differs only in case from ${quoteName(existing.name)}, used by ${describeRunnable(existing)}`;
  const why: string[] = [];
  if (!sameSpelling) why.push('Names that differ only in case are the same name (Durable Functions matches names case-insensitively).');
  if (existing.kind !== candidate.kind) why.push(`${involvesEntity(existing, candidate) ? 'Activities, orchestrators and entities' : 'Activities and orchestrators'} share one name space.`);
  return (
    `${head} — cannot also register ${describeRunnable(candidate)} under it. ${why.join(' ')}${why.length > 0 ? ' ' : ''}` +
    `Give one of them another name with ${renameHint(candidate.kind, candidate.type)}, or remove the registration you do not need.`
  );
}

export function renamedRegistration(existing: RegisteredRunnable, name: string, registeredAt: string | undefined): string {
  return (
    `${kindTitle(existing.kind)} ${className(existing.type)}${places({ declaredAt: existing.declaredAt })} is already registered ` +
    `as ${quoteName(existing.name)}${places({ registeredAt: existing.registeredAt })} — cannot also register it as ${quoteName(name)}` +
    `${places({ registeredAt })}. A class has one name per app; to serve a second name, register a subclass under it.`
  );
}

export function kindConflict(existing: RegisteredRunnable, candidate: RunnableDescription): string {
  return (
    `Class ${className(candidate.type)} is already registered as ${describeRunnable(existing)} under ${quoteName(existing.name)} — ` +
    `cannot also register it as an ${candidate.kind}${places({ registeredAt: candidate.registeredAt })}. ` +
    (involvesEntity(existing, candidate) ? 'A class is one activity, orchestrator or entity.' : 'A class is either an activity or an orchestrator.')
  );
}

function involvesEntity(...runnables: readonly { readonly kind: RunnableKind }[]): boolean {
  return runnables.some((r) => r.kind === 'entity');
}

export function decoratedAsOtherKind(
  type: RegistrableClass,
  decoratedKind: RunnableKind,
  declaredAt: string | undefined,
  kind: RunnableKind,
  registeredAt: string | undefined,
): string {
  return (
    `Class ${className(type)} is decorated with @${kindTitle(decoratedKind)}()${places({ declaredAt })} — it cannot be registered ` +
    `as an ${kind}${places({ registeredAt })}. List it in \`${kindListOption(decoratedKind)}: [...]\` instead.`
  );
}

/** A class registered as an entity that is not one: neither a DurableEntity subclass nor a class with `run`. */
export function notAnEntity(candidate: RunnableDescription): string {
  return (
    `Entity class ${className(candidate.type)}${places(candidate)} is not an entity: it neither extends DurableEntity ` +
    '(class-based: its methods are the operations) nor has a `run(ctx: EntityContext)` method (function-style). ' +
    'Extend DurableEntity<TState>, or add run(ctx).'
  );
}

/** A class-based entity some of whose methods cannot be operations (`problems` name them). */
export function undispatchableEntity(candidate: RunnableDescription, problems: readonly string[]): string {
  return `Entity class ${className(candidate.type)}${places(candidate)} cannot be dispatched: ${problems.join('; ')}.`;
}

export function missingRun(candidate: RunnableDescription): string {
  const signature = candidate.kind === 'activity' ? 'run(input)' : 'run(ctx: OrchestrationContext)';
  return (
    `${kindTitle(candidate.kind)} class ${className(candidate.type)}${places(candidate)} has no run method. ` +
    `An ${candidate.kind} implements \`${signature}\` (an inherited run counts).`
  );
}

export function invalidName(name: unknown, problem: string, candidate: RunnableDescription): string {
  return (
    `Invalid ${candidate.kind} name ${quoteName(name)} for class ${className(candidate.type)}${places(candidate)}: ${problem}. ` +
    `Choose another name with ${renameHint(candidate.kind, candidate.type)}.`
  );
}

/** `owner`: the class (`candidate.type` or a base class) whose constructor takes the untyped parameters. */
export function untypedConstructor(candidate: RunnableDescription, owner: RegistrableClass): string {
  const count = owner.length;
  const parameters = `${count} parameter${count === 1 ? '' : 's'}`;
  const head = `${kindTitle(candidate.kind)} class ${className(candidate.type)}${places(candidate)}`;
  if (owner === candidate.type) {
    return (
      `${head} has a constructor with ${parameters} but no recorded parameter types, so nothing can be injected into it. ` +
      `Decorate it with @${kindTitle(candidate.kind)}() and compile with \`emitDecoratorMetadata\` (tsc, ts-jest and swc can; ` +
      "esbuild and tsx cannot), or mark each parameter with tsyringe's @inject(token)."
    );
  }
  return (
    `${head} inherits the constructor of ${className(owner)}, which takes ${parameters} but has no recorded parameter types ` +
    '(TypeScript records them only for a decorated class that declares its own constructor), so nothing can be injected ' +
    `into it. Decorate ${className(owner)} with @InjectableBase() (abstract classes too), or declare the constructor ` +
    `in ${className(candidate.type)} itself (decorated) and pass the services on to super().`
  );
}

export function notAClass(value: unknown, where: string): string {
  const shown = value === undefined || value === null ? String(value) : `a ${typeof value}`;
  return (
    `${where} is ${shown}, not a class.` +
    (value === undefined
      ? ' A class that is undefined here is usually an import cycle: the module declaring it had not finished loading.'
      : '')
  );
}

export function notRegistered(kind: RunnableKind, type: { readonly name: string }, declaredAt: string | undefined, other: RegisteredRunnable | undefined): string {
  if (other !== undefined) {
    return `${className(type)} is registered as an ${other.kind} under ${quoteName(other.name)}${places(other)}, not as an ${kind}.`;
  }
  return (
    `${kindTitle(kind)} class ${className(type)}${places({ declaredAt })} is not registered in this app. ` +
    `List it in \`${kindListOption(kind)}: [...]\` of Durably.create() (or call registry.${kindAddMethod(kind)}(${className(type)})).`
  );
}

/** `match`: the registration whose name equals `name` ignoring case, if any (of either kind). */
export function unknownName(kind: RunnableKind, name: string, match: RegisteredRunnable | undefined, registered: readonly string[]): string {
  const head = `No ${kind} is registered under the name ${quoteName(name)}.`;
  // Entity names are matched ignoring case: a different case is never the reason an entity was not found.
  const caseNote = kind !== 'entity' && match !== undefined && match.name !== name ? ' Names are case-sensitive.' : '';
  if (match?.kind === kind) return `${head} Did you mean ${quoteName(match.name)}?${caseNote}`;
  if (match !== undefined) return `${head} ${quoteName(match.name)} is an ${match.kind}, not an ${kind}.${caseNote}`;
  const shown = registered.slice(0, 10).map(quoteName).join(', ');
  const more = registered.length > 10 ? ` and ${registered.length - 10} more` : '';
  const list = registered.length === 0 ? `No ${kindListOption(kind)} are registered.` : `Registered ${kindListOption(kind)}: ${shown}${more}.`;
  return `${head} ${list} List the class in \`${kindListOption(kind)}: [...]\` of Durably.create() (or call registry.${kindAddMethod(kind)}()).`;
}
