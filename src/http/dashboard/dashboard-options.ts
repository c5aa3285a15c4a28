import type { AdminAuthorize } from '../admin-router-options.js';

/** Options shared by both ways of securing the dashboard. */
export interface DashboardCommonOptions {
  /**
   * Where the admin router is mounted, as an absolute path on the same origin (e.g. `/runtime/webhooks/durabletask`).
   * The dashboard's page calls only this API, with the browser's own credentials (cookies, HTTP authentication, headers
   * set by a gateway) and, when the user enters them, a key (the `x-functions-key` header, for a router secured with
   * `keys`) and an `Authorization: Bearer` token. What the user enters is kept in the browser tab's sessionStorage,
   * never in a URL.
   */
  readonly apiBase: string;
  /** The page title and heading. Default `Durably`. */
  readonly title?: string;
  /** The `WWW-Authenticate` challenge sent with `401` responses. Default `Bearer realm="durably"`. */
  readonly authenticateChallenge?: string;
  /**
   * The host names the dashboard answers to besides the loopback names, as the admin router's `allowedHosts` (give
   * both the same list): a request with another `Host` gets `403 HOST_NOT_ALLOWED`. `'any'` turns the check off.
   *
   * @example
   * ```ts
   * durably.dashboard({ authorize, apiBase: '/runtime/webhooks/durabletask', allowedHosts: ['durably.example.com'] })
   * ```
   */
  readonly allowedHosts?: readonly string[] | 'any';
}

/**
 * Options of `durably.dashboard(options)` / {@link createDashboardRouter}. Exactly one of `authorize` or
 * `auth: 'none'` is required, as for the admin router.
 *
 * `authorize` is asked about the operation `instances.read` for every page and asset of the dashboard. The page
 * itself holds no data: what a user sees and may do is decided by the admin router's own hook, request by request.
 */
export type DashboardOptions = DashboardCommonOptions & (
  | {
    /** Decides every request for the dashboard's page and assets (see {@link AdminAuthorize}). */
    readonly authorize: AdminAuthorize;
    readonly auth?: never;
  }
  | {
    /**
     * Serves the page and assets without any check. They hold no data, so this is reasonable when the admin router
     * is secured and the browser can send the credentials it asks for; never pair it with an admin router that has
     * `auth: 'none'` on a reachable port.
     */
    readonly auth: 'none';
    readonly authorize?: never;
  }
);
