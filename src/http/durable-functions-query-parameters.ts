/**
 * Every query parameter of Durable Functions' HTTP API (its `HttpApiHandler`), lower-cased: DF reads each where it
 * applies and ignores the rest, so a DF client may send any of them to any route (`taskHub`, `connection` and `code`
 * ride on every management URL; a client appends `showHistory` or `createdTimeFrom` to the URLs it is given). A route
 * of Durably's validates the ones it uses and ignores these others; a name outside this list and the route's own is a
 * `400` (a typo such as `showHistroy` is not silently ignored).
 */
export const DURABLE_FUNCTIONS_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'taskhub', 'connection', 'code',
  'showhistory', 'showhistoryoutput', 'showinput', 'returninternalservererroronfailure',
  'instanceidprefix', 'createdtimefrom', 'createdtimeto', 'runtimestatus', 'top',
  'lastoperationtimefrom', 'lastoperationtimeto', 'fetchstate', 'op',
  'restartwithnewinstanceid', 'timeout', 'pollinginterval', 'version', 'reason',
]);
