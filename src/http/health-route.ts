import { HttpApiError } from '../core/errors/http-api-error.js';
import type { AdminRouteGroup } from './admin-route-context.js';
import { HealthQuery, toHealthWindow } from './dto/health-query.js';
import { toBucketPayload, toSamplePayload, type HealthPayload } from './health-payload.js';
import { HEALTH_SAMPLE_INTERVAL_MS } from './health-sampler.js';
import { sendJson } from './send-json.js';
import { parseQuery } from './validate-request.js';

/**
 * `GET /health?minutes=15&bucketSeconds=15` (Durably's addition; operation `instances.read`) — the task hub's health
 * over the last `minutes` (1–60, default 15): instances completed, failed and terminated per bucket of `bucketSeconds`
 * (default a sixtieth of the window; at most 360 buckets), read from storage; and backlog (instances, activities,
 * timers), running and stuck instances as samples this router took (see `HealthSampler`: they start when the router
 * is first read), the latest as `current`. Bounded: at most 360 buckets and 721 samples, each count stops at 100 000,
 * and the read waits for a slot of the router's read gate as lists do. `501 HEALTH_STATS_UNAVAILABLE` from a router
 * created without health figures (`createAdminRouter` without `defaults.healthStats`).
 */
export const healthRoute: AdminRouteGroup = (router, context) => {
  const { health, settings } = context;

  router.get('/health', ...context.route('instances.read', async (req, res) => {
    const query = parseQuery(HealthQuery, req);
    const window = toHealthWindow(query);
    if (health === undefined) {
      throw new HttpApiError(501, 'HEALTH_STATS_UNAVAILABLE', 'This admin router was created without health figures (createAdminRouter without defaults.healthStats); durably.adminRouter() has them.');
    }
    const now = new Date();
    // Whole buckets aligned on multiples of bucketMs, so that successive answers share their buckets; the last one
    // holds now and ends in the future.
    const to = new Date((Math.floor(now.getTime() / window.bucketMs) + 1) * window.bucketMs);
    const from = new Date(to.getTime() - window.buckets * window.bucketMs);
    const [current, buckets] = await settings.readLimits.gate.run(res, () => Promise.all([
      health.current(now),
      health.stats.finishedPerBucket(from, to, window.bucketMs),
    ]));
    const payload: HealthPayload = {
      generatedAt: now.toISOString(),
      minutes: window.windowMs / 60_000,
      bucketMs: window.bucketMs,
      buckets: buckets.map(toBucketPayload),
      sampleIntervalMs: HEALTH_SAMPLE_INTERVAL_MS,
      samplingSince: health.since.toISOString(),
      samples: health.samplesSince(new Date(now.getTime() - window.windowMs)).map(toSamplePayload),
      current: toSamplePayload(current),
    };
    sendJson(res, 200, payload);
  }));
};
