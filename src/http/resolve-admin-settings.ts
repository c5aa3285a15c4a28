import { consoleLogger } from '../core/runtime-logger.js';
import type { ResolvedAdminSettings } from './admin-route-context.js';
import { AdminRouterConfigurationError } from '../core/errors/admin-router-configuration-error.js';
import { checkSecurityChoice } from './check-security-choice.js';
import { resolveReadLimits } from './read-limits.js';
import { resolveGuardOptions, type ResolvedGuardOptions } from './resolve-guard-options.js';
import type { AdminAuthorize, AdminRouterDefaults, AdminRouterOptions } from './admin-router-options.js';

const KNOWN_OPTIONS = new Set([
  'authorize', 'auth', 'keys', 'redact', 'statusCodes', 'maxBodyBytes', 'maxWaitSeconds', 'authenticateChallenge', 'logger', 'allowedHosts', 'allowedOrigins', 'readLimits',
]);
const KNOWN_STATUS_CODES = new Set(['duplicateInstance', 'restartUnknownInstance', 'unknownEntityType']);
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_WAIT_SECONDS = 60;
const KEY_CHALLENGE = 'x-functions-key realm="durably"';

/** Everything the router needs from its options, checked once at mount time. */
export interface ResolvedAdminOptions {
  /** `undefined` for `auth: 'none'`. */
  readonly authorize: AdminAuthorize | undefined;
  readonly authenticateChallenge: string;
  readonly maxBodyBytes: number;
  /** The request guard's settings: hosts, origins, keys (see `createRequestGuard`). */
  readonly guard: ResolvedGuardOptions;
  readonly settings: ResolvedAdminSettings;
}

/**
 * Checks the options and fills in defaults.
 * @throws AdminRouterConfigurationError when the router would not be secured explicitly, or an option is invalid.
 */
export function resolveAdminOptions(options: AdminRouterOptions | undefined, defaults: AdminRouterDefaults = {}): ResolvedAdminOptions {
  const fail = (message: string): never => {
    throw new AdminRouterConfigurationError(message);
  };
  if (typeof options !== 'object' || options === null) {
    return fail("adminRouter needs options: { keys: [key] } or { authorize: (req, operation) => ... } to secure it, or { auth: 'none' } for local development only.");
  }
  const raw = options as unknown as Readonly<Record<string, unknown>>;
  checkSecurityChoice(raw, KNOWN_OPTIONS, { name: 'adminRouter', thing: 'router', docs: 'docs/http-api.md', noneNote: ' for local development only', keys: true }, fail);
  if (raw.redact !== undefined && typeof raw.redact !== 'function') fail('adminRouter: redact must be a function (status, { req, operation }) => status.');
  if (raw.logger !== undefined && typeof raw.logger !== 'function') fail('adminRouter: logger must be a function (level, message, record) => void.');

  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) fail(`adminRouter: maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}.`);
  const maxWaitSeconds = options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS;
  if (typeof maxWaitSeconds !== 'number' || !Number.isFinite(maxWaitSeconds) || maxWaitSeconds < 0) {
    fail(`adminRouter: maxWaitSeconds must be a non-negative number, got ${String(maxWaitSeconds)}.`);
  }
  const authenticateChallenge = options.authenticateChallenge ?? 'Bearer realm="durably"';
  if (typeof authenticateChallenge !== 'string' || authenticateChallenge === '' || /[\r\n]/.test(authenticateChallenge)) {
    fail('adminRouter: authenticateChallenge must be a non-empty single-line string.');
  }
  if (raw.statusCodes !== undefined) {
    if (typeof raw.statusCodes !== 'object' || raw.statusCodes === null) fail('adminRouter: statusCodes must be an object.');
    for (const key of Object.keys(raw.statusCodes as object)) {
      if (!KNOWN_STATUS_CODES.has(key)) fail(`adminRouter: unknown statusCodes option '${key}'. Known: ${[...KNOWN_STATUS_CODES].join(', ')}.`);
    }
  }
  const duplicateInstance = options.statusCodes?.duplicateInstance ?? 202;
  if (duplicateInstance !== 202 && duplicateInstance !== 409) fail(`adminRouter: statusCodes.duplicateInstance must be 202 or 409, got ${String(duplicateInstance)}.`);
  const restartUnknownInstance = options.statusCodes?.restartUnknownInstance ?? 400;
  if (restartUnknownInstance !== 400 && restartUnknownInstance !== 404) {
    fail(`adminRouter: statusCodes.restartUnknownInstance must be 400 or 404, got ${String(restartUnknownInstance)}.`);
  }
  const unknownEntityType = options.statusCodes?.unknownEntityType ?? 400;
  if (unknownEntityType !== 400 && unknownEntityType !== 404) {
    fail(`adminRouter: statusCodes.unknownEntityType must be 400 or 404, got ${String(unknownEntityType)}.`);
  }
  // A missing key is answered with a challenge naming the key header, unless the app chose its own challenge.
  const keyChallenge = options.authenticateChallenge ?? KEY_CHALLENGE;
  const guard = resolveGuardOptions(raw, { owner: 'adminRouter', jsonBodies: true, challenge: keyChallenge }, fail);
  const entityNames: unknown = defaults.entityNames;
  let knownEntityNames: ReadonlySet<string> | undefined;
  if (entityNames !== undefined) {
    if (!Array.isArray(entityNames) || !entityNames.every((name): name is string => typeof name === 'string')) {
      return fail('adminRouter: the entity names passed to createAdminRouter must be an array of strings.');
    }
    knownEntityNames = new Set(entityNames.map((name) => name.toLowerCase()));
  }

  return {
    authorize: options.authorize,
    authenticateChallenge,
    maxBodyBytes,
    guard,
    settings: {
      statusCodes: { duplicateInstance, restartUnknownInstance, unknownEntityType },
      entityNames: knownEntityNames,
      maxWaitMs: Math.round(maxWaitSeconds * 1000),
      redact: options.redact,
      logger: options.logger ?? defaults.logger ?? consoleLogger,
      readLimits: resolveReadLimits(raw.readLimits, fail),
    },
  };
}
