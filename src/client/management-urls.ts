/** The Durable Functions check-status payload (`createCheckStatusResponse`): the URLs that manage one instance. */
export interface CheckStatusPayload {
  readonly id: string;
  readonly statusQueryGetUri: string;
  readonly sendEventPostUri: string;
  readonly terminatePostUri: string;
  readonly purgeHistoryDeleteUri: string;
  readonly restartPostUri: string;
  readonly suspendPostUri: string;
  readonly resumePostUri: string;
}

/** Every management URL of one instance: the check-status payload plus `rewindPostUri` (Durable Functions' `HttpManagementPayload`). */
export interface ManagementUrls extends CheckStatusPayload {
  readonly rewindPostUri: string;
}

/** What the query string of every management URL carries. */
export interface ManagementUrlOptions {
  /** The task hub's name (`taskHub=`): Durable Functions' URLs name it; Durably's router serves its own and ignores it. */
  readonly taskHub: string;
  /** The connection name (`connection=`), ignored by Durably as `taskHub` is. Default `Storage`, Durable Functions' default. */
  readonly connection?: string;
  /** A key to put into every URL as `code=` (see `adminRouter({ keys })`). Default: none. */
  readonly key?: string;
}

/** Durable Functions' default connection name, which its management URLs carry when the app names none. */
export const DEFAULT_CONNECTION_NAME = 'Storage';

/**
 * The query string every management URL ends with, as Durable Functions builds it: `taskHub=…&connection=…`, then
 * `&code=…` with a key. Each URL has a query string, so a client may append `&showHistory=true` to any of them.
 */
export function managementQuery(options: ManagementUrlOptions): string {
  const scope = `taskHub=${encodeURIComponent(options.taskHub)}&connection=${encodeURIComponent(options.connection ?? DEFAULT_CONNECTION_NAME)}`;
  return options.key === undefined ? scope : `${scope}&code=${encodeURIComponent(options.key)}`;
}

/**
 * The management URLs of `instanceId` under `baseUrl` (where the admin router is mounted), in Durable Functions' exact
 * shape: `…/instances/<id>?taskHub=…&connection=…[&code=…]`, with the `{eventName}` and `{text}` templates DF clients
 * fill in (`…/terminate?reason={text}&taskHub=…`). The ID is percent-encoded; `instanceId` may also be a placeholder
 * such as `INSTANCEID` that a client replaces.
 */
export function managementUrls(baseUrl: string, instanceId: string, options: ManagementUrlOptions): ManagementUrls {
  const instance = `${baseUrl.replace(/\/+$/, '')}/instances/${encodeURIComponent(instanceId)}`;
  const query = managementQuery(options);
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

/** The check-status payload of `urls`: all but `rewindPostUri`, which Durable Functions leaves out of it too. */
export function checkStatusPayloadOf(urls: ManagementUrls): CheckStatusPayload {
  return {
    id: urls.id,
    statusQueryGetUri: urls.statusQueryGetUri,
    sendEventPostUri: urls.sendEventPostUri,
    terminatePostUri: urls.terminatePostUri,
    purgeHistoryDeleteUri: urls.purgeHistoryDeleteUri,
    restartPostUri: urls.restartPostUri,
    suspendPostUri: urls.suspendPostUri,
    resumePostUri: urls.resumePostUri,
  };
}
