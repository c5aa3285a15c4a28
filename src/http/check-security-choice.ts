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
}

/**
 * Checks the options of a router that must be secured explicitly: no unknown option, and exactly one of
 * `authorize` (a function) or `auth: 'none'`. Calls `fail` with a message naming what is wrong.
 */
export function checkSecurityChoice(
  raw: Readonly<Record<string, unknown>>, known: ReadonlySet<string>, subject: SecurityChoiceSubject, fail: (message: string) => never,
): void {
  const { name, thing, docs, noneNote } = subject;
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) fail(`${name}: unknown option '${key}'. Known options: ${[...known].join(', ')}.`);
  }
  const hasAuthorize = raw.authorize !== undefined;
  const hasNone = raw.auth !== undefined;
  if (hasAuthorize && hasNone) fail(`${name}: pass either authorize or auth: 'none', not both.`);
  if (!hasAuthorize && !hasNone) fail(`${name} is not secured: pass { authorize: (req, operation) => ... } (see ${docs}), or { auth: 'none' }${noneNote}.`);
  if (hasNone && raw.auth !== 'none') fail(`${name}: auth must be 'none' (got ${JSON.stringify(raw.auth)}); to secure the ${thing}, pass authorize instead.`);
  if (hasAuthorize && typeof raw.authorize !== 'function') fail(`${name}: authorize must be a function (req, operation) => decision.`);
}
