import type { Request } from 'express';
import type { OrchestrationStatus } from '../client/orchestration-status.js';
import type { AdminOperation } from './admin-operation.js';
import type { ResolvedAdminSettings } from './admin-route-context.js';
import { toInstanceStatusPayload, type InstanceStatusPayload } from './instance-status-payload.js';

/** The payload of `status` as this request may see it: Durable Functions' shape, then the `redact` hook. */
export async function presentStatus(
  settings: ResolvedAdminSettings,
  req: Request,
  operation: AdminOperation,
  status: OrchestrationStatus,
  options: { showInput?: boolean } = {},
): Promise<InstanceStatusPayload> {
  const payload = toInstanceStatusPayload(status, options);
  return settings.redact === undefined ? payload : settings.redact(payload, { req, operation });
}
