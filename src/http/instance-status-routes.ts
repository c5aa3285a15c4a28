import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import type { AdminRouteGroup } from './admin-route-context.js';
import { ContinuationTokenHeader } from './dto/continuation-token-header.js';
import { InstancePath } from './dto/instance-path.js';
import { ListInstancesQuery, toListOptions } from './dto/list-instances-query.js';
import { StatusQuery, toStatusOptions } from './dto/status-query.js';
import { presentStatus } from './present-status.js';
import { requestUrl } from './request-base-url.js';
import { sendJson, streamJsonArray } from './send-json.js';
import { parsePath, parseQuery, validated } from './validate-request.js';

// Durable Functions asks pollers of a running instance to come back in 5 s.
const RUNNING_RETRY_AFTER_SECONDS = 5;
const CONTINUATION_TOKEN = 'x-ms-continuation-token';

/**
 * `GET /instances/:instanceId/history` — the raw history events of the current execution, as JSON (dates as ISO
 * strings; `parseHistory` of `durably/testing` reads them back for `replayHistory`), streamed; `404` when unknown.
 *
 * `GET /instances/:instanceId` — one status: `202` (with `Location` and `Retry-After`) while Pending, Running,
 * ContinuedAsNew or Suspended, `200` when finished (`500` for Failed with `returnInternalServerErrorOnFailure=true`),
 * `404` when unknown; its history view (`showHistory=true`) is bounded. `GET /instances` — a bounded page of
 * statuses, `x-ms-continuation-token` in and out. List and history reads share the router's read gate (see
 * `readLimits`).
 */
export const instanceStatusRoutes: AdminRouteGroup = (router, context) => {
  const { client, settings } = context;
  const limits = settings.readLimits;

  router.get('/instances/:instanceId', ...context.route('instances.read', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const options = toStatusOptions(parseQuery(StatusQuery, req));
    // Input, output and custom status come whole (each at most the app's maxPayloadBytes): this is where list entries
    // that left them out send their readers. A history view is bounded, and waits for a read slot.
    const status = options.showHistory
      ? await limits.gate.run(res, () => client.getStatus(instanceId, { ...options, maxHistoryBytes: limits.maxHistoryBytes, maxHistoryFieldBytes: limits.maxFieldBytes }))
      : await client.getStatus(instanceId, options);
    if (status === undefined) throw new InstanceNotFoundError(instanceId);
    const payload = await presentStatus(settings, req, 'instances.read', status, options);
    switch (status.runtimeStatus) {
      case 'Pending':
      case 'Running':
      case 'ContinuedAsNew':
      case 'Suspended':
        res.set('Location', requestUrl(req)).set('Retry-After', String(RUNNING_RETRY_AFTER_SECONDS));
        sendJson(res, 202, payload);
        return;
      case 'Failed':
        sendJson(res, options.returnInternalServerErrorOnFailure ? 500 : 200, payload);
        return;
      default:
        sendJson(res, 200, payload);
    }
  }));

  router.get('/instances/:instanceId/history', ...context.route('instances.readHistory', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    // Streamed an episode at a time: a history of any length is exported whole, in bounded memory.
    await limits.gate.run(res, async () => streamJsonArray(res, await client.readHistory(instanceId)));
  }));

  router.get('/instances', ...context.route('instances.read', async (req, res) => {
    const query = parseQuery(ListInstancesQuery, req);
    // An empty header means "first page", as no header does.
    const token = req.get(CONTINUATION_TOKEN) || undefined;
    const header = validated(ContinuationTokenHeader, { [CONTINUATION_TOKEN]: token }, 'header');
    const { options, showInput } = toListOptions(query, header[CONTINUATION_TOKEN]);
    const page = await limits.gate.run(res, () => client.listInstances({ ...options, maxFieldBytes: limits.maxFieldBytes, maxPageBytes: limits.maxPageBytes }));
    const payloads = await Promise.all(page.instances.map((status) => presentStatus(settings, req, 'instances.read', status, { showInput })));
    if (page.continuationToken !== undefined) res.set(CONTINUATION_TOKEN, page.continuationToken);
    sendJson(res, 200, payloads);
  }));
};
