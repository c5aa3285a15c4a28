import type { AdminRouteGroup } from './admin-route-context.js';
import { respondWithCheckStatus } from './check-status-response.js';
import { StartPath } from './dto/start-path.js';
import { StartQuery, toInstanceIdPolicy } from './dto/start-query.js';
import { toWaitMs } from './dto/wait-query.js';
import { parsePath, parseQuery } from './validate-request.js';
import { incomingTraceContext } from '../telemetry/trace-contexts.js';

/**
 * `POST /orchestrators/:name/:instanceId?` — starts an orchestration with the JSON body as its input. `202` with the
 * check-status payload; with `?timeout=&pollingInterval=` (seconds) waits for completion first (`200` with the output).
 * `?version=` sets the instance's orchestration version (as Durable Functions). `400` for an unknown orchestrator name, an invalid instance ID or body, or a bad `ifRunning` / `ifFinished`. An
 * instance ID in use follows `?ifRunning=&ifFinished=` (`startNew`'s policy): `useExisting` answers `202` with the
 * existing instance's payload, `fail` is `409`; without `ifRunning`, a duplicate of an active instance ID is `202`
 * (the existing instance) or `409` (option `statusCodes.duplicateInstance`). The request's trace (the app's HTTP
 * instrumentation's span, else a W3C `traceparent` header) is the parent of the instance's `create_orchestration` span.
 */
export const orchestratorRoutes: AdminRouteGroup = (router, context) => {
  router.post('/orchestrators/:name{/:instanceId}', ...context.route('instances.start', async (req, res) => {
    const path = parsePath(StartPath, req);
    const query = parseQuery(StartQuery, req);
    const waitMs = toWaitMs(query, context.settings.maxWaitMs);
    // Read before the body: the request's span is what is active while its handler starts.
    const parentTrace = incomingTraceContext(req.headers);
    const input = await context.body.read(req, res, { contentType: 'lenient' });
    const instanceId = await context.client.startNew(path.name, {
      input,
      ...(parentTrace === undefined ? {} : { parentTrace }),
      ...(path.instanceId === undefined ? {} : { instanceId: path.instanceId }),
      ...(query.version === undefined ? {} : { version: query.version }),
      ...toInstanceIdPolicy(query, context.settings.statusCodes.duplicateInstance),
    });
    await respondWithCheckStatus(context, req, res, 'instances.start', instanceId, waitMs);
  }));
};
