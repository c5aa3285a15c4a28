import type { Request } from 'express';
import type { EntityMetadata } from '../client/durable-client.js';
import type { AdminOperation } from './admin-operation.js';
import type { AdminRouteGroup, ResolvedAdminSettings } from './admin-route-context.js';
import { ContinuationTokenHeader } from './dto/continuation-token-header.js';
import { EntityListPath, EntityPath, toEntityId } from './dto/entity-path.js';
import { EntitySignalQuery } from './dto/entity-signal-query.js';
import { InstanceScopeQuery } from './dto/instance-scope-query.js';
import { ListEntitiesQuery, toEntityListRequest, type EntityListRequest } from './dto/list-entities-query.js';
import { toEntityStatusPayload } from './entity-status-payload.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import { sendEmpty, sendJson } from './send-json.js';
import { UnknownEntityTypeError } from '../core/errors/unknown-entity-type-error.js';
import { parsePath, parseQuery, validated } from './validate-request.js';

const CONTINUATION_TOKEN = 'x-ms-continuation-token';
// The operation every entity has implicitly (it deletes the state), signaled by `DELETE /entities/...` as in DF.
const DELETE_OPERATION = 'delete';
// How many store pages one list request reads at most while every entity found is filtered out (no state, or outside
// the lastOperationTime range), so that clients see fewer empty pages without a request scanning everything.
const MAX_PAGES_PER_LIST_REQUEST = 10;

/**
 * `GET /entities/:entityName/:entityKey` — the entity's state as the body (`200`), `404` when it has none.
 * `GET /entities/:entityName?` — a bounded page of entities with state (see `readLimits`), `x-ms-continuation-token`
 * in and out.
 * `POST /entities/:entityName/:entityKey?op=…` — signals the operation with the JSON body as input: `202`.
 * `DELETE /entities/:entityName/:entityKey` — signals the implicit `delete` operation: `202`.
 * An unregistered entity name: see `statusCodes.unknownEntityType`. The key `$` (or, on POST and DELETE, no key)
 * addresses the entity with the empty key.
 */
export const entityRoutes: AdminRouteGroup = (router, context) => {
  const { client, settings } = context;

  router.get('/entities/:entityName/:entityKey', ...context.route('entities.read', async (req, res) => {
    const entityId = toEntityId(parsePath(EntityPath, req));
    parseQuery(InstanceScopeQuery, req);
    requireKnownType(settings, entityId.name, 'read');
    const { entityExists, entityState } = await client.readEntityState(entityId);
    if (!entityExists) {
      throw new HttpApiError(404, 'ENTITY_NOT_FOUND', `Entity '${entityId.instanceId}' has no state: it was never written, or it was deleted.`, [
        { location: 'path', field: 'entityKey', message: 'no such entity' },
      ]);
    }
    // Durable Functions answers with the state itself.
    sendJson(res, 200, entityState ?? null);
  }));

  router.get('/entities{/:entityName}', ...context.route('entities.read', async (req, res) => {
    const { entityName } = parsePath(EntityListPath, req);
    const query = parseQuery(ListEntitiesQuery, req);
    // An empty header means "first page", as no header does.
    const token = req.get(CONTINUATION_TOKEN) || undefined;
    const header = validated(ContinuationTokenHeader, { [CONTINUATION_TOKEN]: token }, 'header');
    if (entityName !== undefined) requireKnownType(settings, entityName, 'list');
    const request = toEntityListRequest(query, entityName, header[CONTINUATION_TOKEN]);
    const { maxFieldBytes, maxPageBytes } = settings.readLimits;
    const options = { ...request.options, maxFieldBytes, maxPageBytes };
    const { page, selected } = await settings.readLimits.gate.run(res, async () => {
      let page = await client.listEntities(options);
      let selected = page.entities.filter((entity) => isListed(entity, request));
      for (let pages = 1; selected.length === 0 && page.continuationToken !== undefined && pages < MAX_PAGES_PER_LIST_REQUEST; pages++) {
        page = await client.listEntities({ ...options, continuationToken: page.continuationToken });
        selected = page.entities.filter((entity) => isListed(entity, request));
      }
      return { page, selected };
    });
    if (page.continuationToken !== undefined) res.set(CONTINUATION_TOKEN, page.continuationToken);
    sendJson(res, 200, selected.map((entity) => toEntityStatusPayload(entity, request.options.fetchState)));
  }));

  // `?op=delete` is the same operation as DELETE, and is authorized as such.
  const signalOperation = (req: Request): AdminOperation => (namesDeleteOperation(req) ? 'entities.delete' : 'entities.signal');
  router.post('/entities/:entityName{/:entityKey}', ...context.route(signalOperation, async (req, res) => {
    const entityId = toEntityId(parsePath(EntityPath, req));
    const { op } = parseQuery(EntitySignalQuery, req);
    requireKnownType(settings, entityId.name, 'signal');
    const input = await context.body.read(req, res, { contentType: 'requiredWithBody' });
    await client.signalEntity(entityId, op, input);
    sendEmpty(res, 202);
  }));

  router.delete('/entities/:entityName{/:entityKey}', ...context.route('entities.delete', async (req, res) => {
    const entityId = toEntityId(parsePath(EntityPath, req));
    parseQuery(InstanceScopeQuery, req);
    requireKnownType(settings, entityId.name, 'signal');
    await client.signalEntity(entityId, DELETE_OPERATION);
    sendEmpty(res, 202);
  }));
};

/**
 * Checks `entityName` against the registered names (when the router knows them). Signals (and deletes) of an unknown
 * type are refused with the configured status (Durable Functions' client refuses them: `400`); reads and lists are
 * refused only with the stricter `404`, and otherwise see whatever is stored (as in DF).
 * @throws UnknownEntityTypeError
 */
function requireKnownType(settings: ResolvedAdminSettings, entityName: string, use: 'read' | 'list' | 'signal'): void {
  const names = settings.entityNames;
  if (names === undefined || names.has(entityName.toLowerCase())) return;
  const status = settings.statusCodes.unknownEntityType;
  if (use !== 'signal' && status !== 404) return;
  throw new UnknownEntityTypeError(entityName, status, names);
}

/** Durable Functions lists the entities that have state; `lastOperationTimeFrom/To` bound the time of their last change. */
function isListed(entity: EntityMetadata, request: EntityListRequest): boolean {
  if (!entity.entityExists) return false;
  const time = entity.lastModifiedTime.getTime();
  if (request.lastOperationTimeFrom !== undefined && time < request.lastOperationTimeFrom.getTime()) return false;
  return request.lastOperationTimeTo === undefined || time <= request.lastOperationTimeTo.getTime();
}

/**
 * Whether the request's `op` names the implicit `delete` operation (any case, as entity operations are matched). Read
 * from the raw query string before it is validated, since authorization comes first; a query that then fails
 * validation is a `400` all the same.
 */
function namesDeleteOperation(req: Request): boolean {
  const questionMark = req.originalUrl.indexOf('?');
  if (questionMark === -1) return false;
  for (const [key, value] of new URLSearchParams(req.originalUrl.slice(questionMark + 1))) {
    if (key.toLowerCase() === 'op' && value.toLowerCase() === DELETE_OPERATION) return true;
  }
  return false;
}
