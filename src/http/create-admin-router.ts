import express, { type Router } from 'express';
import type { DurableClient } from '../client/durable-client.js';
import { adminErrorHandler } from './admin-error-handler.js';
import type { AdminRouteContext, AdminRouteGroup } from './admin-route-context.js';
import type { AdminRouterDefaults, AdminRouterOptions } from './admin-router-options.js';
import { authorizeOperation } from './authorize-operation.js';
import { entityRoutes } from './entity-routes.js';
import { healthRoute } from './health-route.js';
import { HealthSampler } from './health-sampler.js';
import { instanceControlRoutes } from './instance-control-routes.js';
import { instancePurgeRoutes } from './instance-purge-routes.js';
import { instanceRetryRoute } from './instance-retry-route.js';
import { instanceStatusRoutes } from './instance-status-routes.js';
import { orchestratorRoutes } from './orchestrator-routes.js';
import { JsonBodyReader } from './read-json-body.js';
import { createRequestGuard } from './request-guard.js';
import { resolveAdminOptions } from './resolve-admin-settings.js';

/** The Express router returned by {@link createAdminRouter} / `durably.adminRouter()`. */
export type AdminRouter = Router;

// The route groups, in registration order.
const ROUTE_GROUPS: readonly AdminRouteGroup[] = [orchestratorRoutes, instanceStatusRoutes, instanceControlRoutes, instanceRetryRoute, instancePurgeRoutes, entityRoutes, healthRoute];

/**
 * The Durable Functions HTTP API as an Express router, serving `client`: start, status, list, raise event, terminate,
 * suspend, resume, restart, rewind and purge of instances, read, list, signal and delete of entities, and the task
 * hub's health (`GET /health`, Durably's addition), with Durable Functions' routes, status codes, headers and payloads. Mount it where you like — DF's own base is `/runtime/webhooks/durabletask`; the URLs it hands out are built
 * from each request's own base. Every request is first checked by the request guard — its `Host` must be one the
 * router serves (`allowedHosts`), a state-changing request must not come from another site's page (`allowedOrigins`),
 * a body must be JSON, and with `keys` a valid key must be sent — then authorized by `options.authorize` (unless
 * `keys` alone or the explicit `auth: 'none'` secure it), then every input is validated; errors are JSON
 * `{ error, message, details }`. See docs/http-api.md and docs/security.md.
 *
 * Usually reached through `durably.adminRouter(options)`; use this in a process that has only a client.
 *
 * @param defaults - What the app knows, for options the caller left out: `durably.adminRouter` passes the app's logger
 *   and its registered entity names. Without `entityNames`, every entity name is taken as registered (see
 *   {@link AdminRouterDefaults}).
 * @throws AdminRouterConfigurationError at once (at mount time) for options that are missing or invalid.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use('/runtime/webhooks/durabletask', durably.adminRouter({
 *   authorize: async (req, operation) => {
 *     const user = await verifyToken(req.get('authorization'));
 *     if (user === undefined) return 'unauthenticated';
 *     return READ_ONLY_ADMIN_OPERATIONS.includes(operation) || user.isAdmin;
 *   },
 * }));
 * // curl -X POST -H 'Content-Type: application/json' -d '["Tokyo"]' .../orchestrators/HelloSequence → 202 + Location
 *
 * // Or Durable Functions' keys, under a public host name:
 * app.use('/runtime/webhooks/durabletask', durably.adminRouter({ keys: [process.env.DURABLY_ADMIN_KEY!], allowedHosts: ['durably.example.com'] }));
 * // curl -H "x-functions-key: $DURABLY_ADMIN_KEY" https://durably.example.com/runtime/webhooks/durabletask/instances
 * ```
 */
export function createAdminRouter(client: DurableClient, options: AdminRouterOptions, defaults: AdminRouterDefaults = {}): AdminRouter {
  const resolved = resolveAdminOptions(options, defaults);
  // Matching ignores case (Durable Functions matches operations such as `raiseevent` that way) and a trailing slash.
  const router = express.Router({ caseSensitive: false, strict: false });
  const guard = createRequestGuard(resolved.guard);
  const context: AdminRouteContext = {
    client,
    settings: resolved.settings,
    body: new JsonBodyReader(resolved.maxBodyBytes),
    health: defaults.healthStats === undefined ? undefined : new HealthSampler(defaults.healthStats),
    // First of every route (requests no route matches fall through to the app untouched): a foreign Host, a
    // cross-site change, a missing key or a body that is not JSON is refused before authorize is asked.
    route: (operation, handler) => [guard, authorizeOperation(operation, resolved.authorize, resolved.authenticateChallenge), handler],
  };
  for (const group of ROUTE_GROUPS) group(router, context);
  router.use(adminErrorHandler(resolved.settings.logger));
  return router;
}
