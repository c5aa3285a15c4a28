/** The longest accepted activity / orchestrator / entity name, in UTF-16 code units. */
export const MAX_RUNNABLE_NAME_LENGTH = 256;

/** Names starting with this prefix (in any case) are reserved for Durably's own orchestrators, activities and entities. */
export const RESERVED_NAME_PREFIX = 'durably.';

// `/ \ # ?` would break the Durable Functions HTTP routes (`/orchestrators/:name`) and instance URLs.
const forbiddenCharacters = /[/\\#?]/;
// C0 and C1 control characters, DEL included: invisible in logs and the dashboard.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `name` cannot be an activity, orchestrator or entity name, or `undefined` when it can. The rules:
 * a non-empty string of at most {@link MAX_RUNNABLE_NAME_LENGTH} code units, without leading or trailing whitespace,
 * not starting with `@` (Durable Functions entity IDs are written `@name@key`), without `/ \ # ?` or control
 * characters, and not starting with {@link RESERVED_NAME_PREFIX} (in any case).
 */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `a name must be a string, not ${name === null ? 'null' : typeof name}`;
  if (name.length === 0) return 'the name is empty (an anonymous class needs an explicit name)';
  if (name.length > MAX_RUNNABLE_NAME_LENGTH) return `the name is ${name.length} characters long; the limit is ${MAX_RUNNABLE_NAME_LENGTH}`;
  if (name.trim() !== name) return 'the name starts or ends with whitespace';
  if (name.startsWith('@')) return "a leading '@' is reserved: Durable Functions entity IDs are written '@name@key'";
  const forbidden = forbiddenCharacters.exec(name);
  if (forbidden !== null) return `the character '${forbidden[0]}' is not allowed (names appear in HTTP routes and URLs; '/', '\\', '#' and '?' are forbidden)`;
  const control = controlCharacters.exec(name);
  if (control !== null) return `the control character ${escapeCharacter(control[0])} is not allowed`;
  if (name.toLowerCase().startsWith(RESERVED_NAME_PREFIX)) return `the prefix '${RESERVED_NAME_PREFIX}' is reserved for Durably's internal use`;
  return undefined;
}

/**
 * Why `name` cannot be an entity name beyond {@link nameProblem}'s rules, or `undefined`: an entity name may not
 * contain `@` anywhere, since entity instance IDs are written `@name@key`.
 */
export function entityNameProblem(name: string): string | undefined {
  return name.includes('@') ? "the character '@' is not allowed in an entity name (entity instance IDs are written '@name@key')" : undefined;
}

/** The key under which names collide: names that differ only in case are the same name. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** `name` quoted for a message: control characters escaped, very long names shortened. */
export function quoteName(name: unknown): string {
  if (typeof name !== 'string') return String(name);
  const shown = name.length > 60 ? `${name.slice(0, 40)}…` : name;
  // eslint-disable-next-line no-control-regex
  return `'${shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, escapeCharacter)}'`;
}

function escapeCharacter(character: string): string {
  return `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}
