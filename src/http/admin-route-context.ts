import type { Request, RequestHandler, Response, Router } from 'express';
import type { DurableClient } from '../client/durable-client.js';
import type { RuntimeLogger } from '../core/runtime-logger.js';
import type { AdminOperation } from './admin-operation.js';
import type { AdminRedact, AdminStatusCodes } from './admin-router-options.js';
import type { HealthSampler } from './health-sampler.js';
import type { JsonBodyReader } from './read-json-body.js';
import type { ResolvedReadLimits } from './read-limits.js';

/** The admin router's options with every default filled in. */
export interface ResolvedAdminSettings {
  readonly statusCodes: Required<AdminStatusCodes>;
  /** The registered entity names, lower-cased; `undefined` when unknown (every name is then taken as registered). */
  readonly entityNames: ReadonlySet<string> | undefined;
  readonly maxWaitMs: number;
  readonly redact: AdminRedact | undefined;
  readonly logger: RuntimeLogger;
  /** Bounds on lists and history reads, and the router's gate for them. */
  readonly readLimits: ResolvedReadLimits;
}

/** A route handler: may be async (Express 5 forwards a rejection to the router's error handler). */
export type AdminHandler = (req: Request, res: Response) => void | Promise<void>;

/** What every group of routes is given. */
export interface AdminRouteContext {
  readonly client: DurableClient;
  readonly settings: ResolvedAdminSettings;
  readonly body: JsonBodyReader;
  /** The health figures and this router's samples of them (`GET /health`); undefined without `defaults.healthStats`. */
  readonly health: HealthSampler | undefined;
  /**
   * The handlers of a route: the request guard (host, cross-site, keys, JSON bodies), the authorization check for
   * `operation`, then `handler`. `operation` may be decided from the request (before any input is validated), for a
   * route that performs different operations.
   */
  route(operation: AdminOperation | ((req: Request) => AdminOperation), handler: AdminHandler): RequestHandler[];
}

/**
 * A group of routes of the admin router (orchestrators, instances, entities). The router registers every group
 * in order; adding one is a new file with a function of this type, its operations in `ADMIN_OPERATIONS`, and one line
 * in `ROUTE_GROUPS` (create-admin-router.ts).
 */
export type AdminRouteGroup = (router: Router, context: AdminRouteContext) => void;
