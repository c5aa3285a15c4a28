/** How {@link checkSecurityChoice} names what it checks in its messages. */
export interface SecurityChoiceSubject {
  /** The option's owner as the user calls it: `adminRouter`, `dashboard`. */
  readonly name: string;
  /** What `authorize` secures: `router`, `dashboard`. */
  readonly thing: string;
  /** Where securing it is described, e.g. `docs/http-api.md`. */
  readonly docs: string;
  /** Said of `{ auth: 'none' }` when the options lack both, e.g. ` for local development only`. */
  readonly noneNote: string;
  /** Whether `keys` secure it (the admin router), alone or with `authorize`. */
  readonly keys: boolean;
}

/**
 * Checks the options of a router that must be secured explicitly: no unknown option, and `authorize` (a function),
 * `keys` (where accepted; alone or with `authorize`) or `auth: 'none'` (alone). Calls `fail` with a message naming
 * what is wrong. The keys themselves are checked by `resolveGuardOptions`.
 */
export function checkSecurityChoice(
  raw: Readonly<Record<string, unknown>>, known: ReadonlySet<string>, subject: SecurityChoiceSubject, fail: (message: string) => never,
): void {
  const { name, thing, docs, noneNote } = subject;
  for (const key of Object.keys(raw)) {
    if (key === 'keys' && !subject.keys) {
      fail(`${name}: keys are not an option of the ${thing}: its page and assets hold no data. Protect the admin router with keys; the ${thing} asks for the key and sends it with its API calls (see ${docs}).`);
    }
    if (!known.has(key)) fail(`${name}: unknown option '${key}'. Known options: ${[...known].join(', ')}.`);
  }
  const hasAuthorize = raw.authorize !== undefined;
  const hasNone = raw.auth !== undefined;
  const hasKeys = subject.keys && raw.keys !== undefined;
  if (hasAuthorize && hasNone) fail(`${name}: pass either authorize or auth: 'none', not both.`);
  if (hasKeys && hasNone) fail(`${name}: pass either keys or auth: 'none', not both.`);
  if (!hasAuthorize && !hasNone && !hasKeys) {
    const ways = subject.keys ? "{ keys: [key] } (Durable Functions' keys), { authorize: (req, operation) => ... }" : '{ authorize: (req, operation) => ... }';
    fail(`${name} is not secured: pass ${ways} (see ${docs}), or { auth: 'none' }${noneNote}.`);
  }
  if (hasNone && raw.auth !== 'none') fail(`${name}: auth must be 'none' (got ${JSON.stringify(raw.auth)}); to secure the ${thing}, pass authorize instead.`);
  if (hasAuthorize && typeof raw.authorize !== 'function') fail(`${name}: authorize must be a function (req, operation) => decision.`);
}
