import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AdminAuthorize } from '../admin-router-options.js';
import { authorizeOperation } from '../authorize-operation.js';
import { checkSecurityChoice } from '../check-security-choice.js';
import { createRequestGuard } from '../request-guard.js';
import { resolveGuardOptions, type ResolvedGuardOptions } from '../resolve-guard-options.js';
import { toHttpApiError } from '../to-http-api-error.js';
import { consoleLogger, structuredLog, type RuntimeLogger } from '../../core/runtime-logger.js';
import { escapeHtml, loadDashboardAssets } from './dashboard-assets.js';
import { DashboardConfigurationError } from '../../core/errors/dashboard-configuration-error.js';
import type { DashboardOptions } from './dashboard-options.js';

/** The Express router returned by {@link createDashboardRouter} / `durably.dashboard()`. */
export type DashboardRouter = Router;

const KNOWN_OPTIONS = new Set(['apiBase', 'authorize', 'auth', 'title', 'authenticateChallenge', 'allowedHosts']);

// No inline script or style, no other origin: the page loads its own script and style and talks to its own origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Creates the web dashboard: a single page (instances, instance detail with timeline and actions, entities) that talks
 * only to the admin router mounted at `options.apiBase`. Its assets ship with the package; it needs no internet access.
 *
 * Usually reached through `durably.dashboard(options)`.
 * @param logger - Where unexpected errors (a failing `authorize` hook) are logged. Default: console.
 * @throws DashboardConfigurationError at once (at mount time) for options that are missing or invalid.
 *
 * @example
 * ```ts
 * app.use('/runtime/webhooks/durabletask', durably.adminRouter({ authorize }));
 * app.use('/dashboard', durably.dashboard({ authorize, apiBase: '/runtime/webhooks/durabletask' }));
 * ```
 */
export function createDashboardRouter(options: DashboardOptions, logger: RuntimeLogger = consoleLogger): DashboardRouter {
  const { authorize, apiBase, title, challenge, guard } = resolveDashboardOptions(options);
  const { template, files } = loadDashboardAssets();
  const page = template
    .replaceAll('{{title}}', escapeHtml(title))
    .replaceAll('{{apiBase}}', escapeHtml(apiBase));

  const router = express.Router({ caseSensitive: true, strict: false });
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    next();
  });
  // A foreign Host is refused (DNS rebinding), as by the admin router; then the page's own authorize hook.
  const authorized = [createRequestGuard(guard), authorizeOperation('instances.read', authorize, challenge)];

  router.get('/', ...authorized, (req: Request, res: Response) => {
    const pathname = req.originalUrl.split('?')[0] ?? '';
    if (!pathname.endsWith('/')) {
      // The page loads its assets by relative URL: `/dashboard` must become `/dashboard/`. A relative Location
      // ("./dashboard/") cannot be turned into a redirect to another host.
      const last = pathname.slice(pathname.lastIndexOf('/') + 1);
      res.redirect(302, `./${last}/`);
      return;
    }
    res.type('text/html; charset=utf-8').send(page);
  });
  router.get('/:file', ...authorized, (req: Request, res: Response, next: NextFunction) => {
    const asset = files.get(String(req.params.file));
    if (asset === undefined) return next();
    res.type(asset.contentType).send(asset.body);
  });
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const known = toHttpApiError(error);
    if (known !== undefined) {
      res.status(known.status).json(known.toBody());
      return;
    }
    structuredLog(logger)('error', `dashboard: ${req.method} ${req.originalUrl} failed`, { error });
    res.status(500).json({ error: 'INTERNAL_ERROR', message: 'Something went wrong while processing the request; the server logged the details.', details: [] });
  });
  return router;
}

interface ResolvedDashboardOptions {
  readonly authorize: AdminAuthorize | undefined;
  readonly apiBase: string;
  readonly title: string;
  readonly challenge: string;
  readonly guard: ResolvedGuardOptions;
}

function resolveDashboardOptions(options: DashboardOptions | undefined): ResolvedDashboardOptions {
  const fail = (message: string): never => {
    throw new DashboardConfigurationError(message);
  };
  if (typeof options !== 'object' || options === null) {
    return fail("dashboard needs options: { apiBase: '/path/of/the/admin/router', authorize } (or auth: 'none' for local development only).");
  }
  const raw = options as unknown as Readonly<Record<string, unknown>>;
  checkSecurityChoice(raw, KNOWN_OPTIONS, { name: 'dashboard', thing: 'dashboard', docs: 'docs/dashboard.md', noneNote: '', keys: false }, fail);
  const apiBase = raw.apiBase;
  // Same origin only: a path, not a URL and not `//host` (the page's Content-Security-Policy allows only its origin).
  if (typeof apiBase !== 'string' || !/^\/(?!\/)[^\s\\?#]*$/.test(apiBase)) {
    fail(`dashboard: apiBase must be the absolute path where the admin router is mounted, e.g. '/runtime/webhooks/durabletask' (got ${JSON.stringify(apiBase)}).`);
  }
  const title = raw.title ?? 'Durably';
  if (typeof title !== 'string' || title.length === 0 || title.length > 200) fail('dashboard: title must be a string of 1 to 200 characters.');
  const challenge = raw.authenticateChallenge ?? 'Bearer realm="durably"';
  if (typeof challenge !== 'string' || challenge === '' || /[\r\n]/.test(challenge)) fail('dashboard: authenticateChallenge must be a non-empty single-line string.');
  const guard = resolveGuardOptions(raw, { owner: 'dashboard', jsonBodies: false, challenge: challenge as string }, fail);
  return {
    guard,
    authorize: options.authorize,
    apiBase: (apiBase as string).replace(/\/+$/, ''),
    title: title as string,
    challenge: challenge as string,
  };
}
