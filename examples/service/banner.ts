import { STAND_IN_COLLECTION } from '../shared/stand-in-counters.js';

/** One copy-paste command of the banner. */
export interface BannerCommand {
  /** What it does (printed as a `#` comment above it). */
  readonly comment: string;
  readonly method: 'GET' | 'POST';
  /** Appended to the admin API's base URL. */
  readonly path: string;
  /** A JSON body. */
  readonly body?: string;
  /** Print the response headers too (`curl -i`): for answers whose `Location` header matters. */
  readonly showHeaders?: boolean;
}

/** A group of commands for one example. */
export interface BannerSection {
  readonly title: string;
  readonly commands: readonly BannerCommand[];
}

/** The commands the banner offers, per example. */
export const BANNER_SECTIONS: readonly BannerSection[] = [
  {
    title: 'Function chaining (examples/chaining)',
    commands: [{
      comment: 'greet three cities one after the other, and wait for the output',
      method: 'POST', path: '/orchestrators/HelloSequence?timeout=30&pollingInterval=1', body: '["Tokyo","Seattle","London"]',
    }],
  },
  {
    title: 'Fan-out/fan-in (examples/fan-out-fan-in)',
    commands: [{
      comment: 'back up a site: copy every file in parallel, then add up the bytes',
      method: 'POST', path: '/orchestrators/BackupSiteContent?timeout=30&pollingInterval=1', body: '"/var/www/site"',
    }],
  },
  {
    title: 'Async HTTP API (examples/async-http-api)',
    commands: [
      {
        comment: 'start a slow report: 202 Accepted, with the status URL in Location',
        method: 'POST', path: '/orchestrators/SalesReport/sales-2024-Q2', body: '{"quarter":"2024-Q2","regions":["EMEA","Americas","APAC"]}', showHeaders: true,
      },
      { comment: 'poll it: 202 (with the progress in customStatus) while it runs, 200 with the report', method: 'GET', path: '/instances/sales-2024-Q2', showHeaders: true },
    ],
  },
  {
    title: 'Monitor (examples/monitor)',
    commands: [
      {
        comment: 'watch a job every 2 s for at most a minute (the fake job service completes a job on its third check)',
        method: 'POST', path: '/orchestrators/MonitorJobStatus/monitor-nightly-export', body: '{"jobId":"nightly-export","pollingIntervalMs":2000,"expiresAfterMs":60000}',
      },
      { comment: 'its status (customStatus counts the checks)', method: 'GET', path: '/instances/monitor-nightly-export' },
    ],
  },
  {
    title: 'Human interaction (examples/human-interaction)',
    commands: [
      {
        comment: 'ask for approval of an expense; escalated if nobody answers within 10 minutes',
        method: 'POST', path: '/orchestrators/ApprovalWorkflow/expense-42', body: '{"expenseId":"expense-42","employee":"alice","amount":1200,"timeoutMs":600000}',
      },
      {
        comment: 'approve it (try stopping the service with Ctrl-C and starting it again first: it is still waiting)',
        method: 'POST', path: '/instances/expense-42/raiseEvent/ApprovalEvent', body: 'true', showHeaders: true,
      },
      { comment: 'its status', method: 'GET', path: '/instances/expense-42' },
    ],
  },
  {
    title: 'Aggregator (examples/aggregator)',
    commands: [
      { comment: 'signal the class-based Counter "door-opened": add 5', method: 'POST', path: '/entities/Counter/door-opened?op=add', body: '5', showHeaders: true },
      { comment: "read its state (once the signal is applied; 404 before the counter's first operation)", method: 'GET', path: '/entities/Counter/door-opened' },
      { comment: 'the function-style counter of the Durable Functions overview', method: 'POST', path: '/entities/FunctionCounter/myCounter?op=add', body: '1', showHeaders: true },
      {
        comment: 'read both from an orchestration (callEntity) and publish them',
        method: 'POST', path: '/orchestrators/MetricsReport?timeout=30&pollingInterval=1', body: '["Counter/door-opened","FunctionCounter/myCounter"]',
      },
    ],
  },
  {
    title: 'Everything',
    commands: [{ comment: 'list the instances, 20 per page (the next page: send back the x-ms-continuation-token header)', method: 'GET', path: '/instances?top=20' }],
  },
];

/**
 * How the READMEs send the key in their curl lines: from the shell variable that `npm start` also reads, so that
 * `export DURABLY_ADMIN_KEY=…` once serves both.
 */
export const KEY_HEADER_FROM_VARIABLE = '"x-functions-key: $DURABLY_ADMIN_KEY"';

/** The banner's key header: the key itself, as one single-quoted shell word. */
export function keyHeader(adminKey: string): string {
  return `'x-functions-key: ${adminKey.replaceAll("'", "'\\''")}'`;
}

/**
 * A command as a `curl` line for `adminUrl`, sending the key in the `x-functions-key` header (a header, not `?code=`:
 * URLs end up in logs). `keyHeaderWord` is the header as a shell word: {@link keyHeader} or
 * {@link KEY_HEADER_FROM_VARIABLE}.
 */
export function toCurl(adminUrl: string, keyHeaderWord: string, command: BannerCommand): string {
  const parts = ['curl'];
  if (command.showHeaders === true) parts.push('-i');
  if (command.method !== 'GET') parts.push('-X', command.method);
  parts.push(`'${adminUrl}${command.path}'`, '-H', keyHeaderWord);
  if (command.body !== undefined) parts.push('-H', "'Content-Type: application/json'", '-d', `'${command.body}'`);
  return parts.join(' ');
}

/** What the banner shows of the running service. */
export interface BannerService {
  readonly url: string;
  readonly adminUrl: string;
  readonly adminKey: string;
  readonly dashboardUrl?: string;
  readonly storage: string;
  readonly host: string;
}

/** The text `npm start` prints once the service is up. */
export function renderBanner(service: BannerService): string {
  const lines = [
    '',
    '  Durably example service',
    '',
    `  URL:       ${service.url}`,
    `  Admin API: ${service.adminUrl}`,
    `  Admin key: ${service.adminKey}`,
    ...(service.dashboardUrl === undefined ? [] : [`  Dashboard: ${service.dashboardUrl}  (open it in a browser; it asks for the key)`]),
    `  Storage:   ${service.storage}${service.storage.startsWith('embedded') ? ' (set MONGODB_URI to use your MongoDB)' : ''}`,
    '',
    '  The payment, mail, job and other services the examples call are fakes that only print what they do. Their',
    `  counters (payment IDs pay-0001, pay-0002, …; job status checks) are kept in the collection ${STAND_IN_COLLECTION} beside`,
    '  the instances, so they carry on after a restart: two payment IDs for one claim would be a double payment.',
    '',
    '  The admin API needs the key (header x-functions-key, or ?code=): without it every request gets 401. A new key',
    '  is made at every start (set DURABLY_ADMIN_KEY to keep one). It answers to localhost names only (add others with',
    '  DURABLY_ALLOWED_HOSTS=name,...) and refuses changes sent by other sites\' pages. Production apps choose their own',
    '  keys or an `authorize` hook (see docs/security.md).',
  ];
  if (!isLoopback(service.host)) lines.push(`  !! It listens on ${service.host}, which is reachable from other machines: the key is all that protects it.`);
  lines.push('', '  Try it (copy and paste):');
  for (const section of BANNER_SECTIONS) {
    lines.push('', `  ## ${section.title}`);
    for (const command of section.commands) lines.push(`  # ${command.comment}`, `  ${toCurl(service.adminUrl, keyHeader(service.adminKey), command)}`);
  }
  lines.push(
    '',
    '  ## Scale-out: two worker processes on one MongoDB',
    '  npm run example:scale-out',
    '',
    '  Stop: Ctrl-C (instances in flight resume at the next npm start)',
    '',
  );
  return lines.join('\n');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
