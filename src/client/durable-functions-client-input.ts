import { DurableError } from '../core/durable-error.js';
import { managementQuery, managementUrls, type ManagementUrlOptions, type ManagementUrls } from './management-urls.js';

/**
 * The binding data the official `durable-functions` npm package reads to build its `DurableClient`
 * (`df.getClient(context)` takes it from the function's `durableClient` input): the shape of DF's
 * `OrchestrationClientInputData`, without `rpcBaseUrl` (with it, the package rebuilds every URL from that base and
 * drops their query string, and so the key).
 */
export interface DurableFunctionsClientInput {
  readonly taskHubName: string;
  /** `createNewInstancePostUri` is what `startNew` posts to (`{functionName}` and `[/{instanceId}]` filled in). */
  readonly creationUrls: {
    readonly createNewInstancePostUri: string;
    readonly createAndWaitOnNewInstancePostUri: string;
  };
  /** The management URLs of the placeholder instance `INSTANCEID` (its `id`), which the client replaces. */
  readonly managementUrls: ManagementUrls;
  /** Where the admin router is mounted, without a trailing slash (the entity URLs are built from it). */
  readonly baseUrl: string;
  /** What the client appends to the entity URLs it builds: `code=<key>`, or the task hub scope without a key. */
  readonly requiredQueryStringParameters: string;
}

/** The placeholder instance ID of {@link DurableFunctionsClientInput.managementUrls}, as in Durable Functions. */
export const INSTANCE_ID_PLACEHOLDER = 'INSTANCEID';

/**
 * The `durable-functions` client's binding data for Durably's admin router mounted at `baseUrl` (an absolute `http:`
 * or `https:` URL): every URL names the task hub and, with `options.key` (one of the router's `keys`), carries it as
 * `code=` — the package cannot add a header, so the key travels in the URL, as on Azure.
 *
 * Outside Azure, the package sends every request to `localhost:7071` unless the `WEBSITE_HOSTNAME` environment variable
 * is set (to anything but `0.0.0.0…`); set it, e.g. to the host of `baseUrl`, before `df.getClient`.
 *
 * @throws DurableError `INVALID_ARGUMENT` for a `baseUrl` that is not an absolute http(s) URL, or an empty key.
 */
export function durableFunctionsClientInput(baseUrl: string, options: ManagementUrlOptions): DurableFunctionsClientInput {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//i.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new DurableError('INVALID_ARGUMENT', `durableFunctionsClientInput: baseUrl must be an absolute http(s) URL where the admin router is mounted, got ${JSON.stringify(baseUrl)}`);
  }
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === '')) {
    throw new DurableError('INVALID_ARGUMENT', 'durableFunctionsClientInput: key must be a non-empty string (one of the admin router\'s keys)');
  }
  const base = baseUrl.replace(/\/+$/, '');
  const required = options.key === undefined ? managementQuery(options) : `code=${encodeURIComponent(options.key)}`;
  const creation = `${base}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName: options.taskHub,
    creationUrls: {
      createNewInstancePostUri: `${creation}?${required}`,
      createAndWaitOnNewInstancePostUri: `${creation}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${required}`,
    },
    managementUrls: managementUrls(base, INSTANCE_ID_PLACEHOLDER, options),
    baseUrl: base,
    requiredQueryStringParameters: required,
  };
}
