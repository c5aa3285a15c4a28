/**
 * The base of every route's query DTO. It declares no parameter of its own: Durable Functions' parameters that a route
 * does not use — `taskHub` and `connection`, which DF puts into every management URL, `code` (a key) and the others
 * DF ignores where they do not apply — are accepted and ignored by `parseQuery` (see
 * `DURABLE_FUNCTIONS_QUERY_PARAMETERS`): a router serves its app's task hub.
 */
export class InstanceScopeQuery {}
