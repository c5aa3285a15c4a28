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
        comment: 'watch a job every 2 s for at most a minute (this one completes on its third check)',
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

/** A command as a `curl` line for `adminUrl`. */
export function toCurl(adminUrl: string, command: BannerCommand): string {
  const parts = ['curl'];
  if (command.showHeaders === true) parts.push('-i');
  if (command.method !== 'GET') parts.push('-X', command.method);
  parts.push(`'${adminUrl}${command.path}'`);
  if (command.body !== undefined) parts.push('-H', "'Content-Type: application/json'", '-d', `'${command.body}'`);
  return parts.join(' ');
}

/** The text `npm start` prints once the service is up. */
export function renderBanner(service: { url: string; adminUrl: string; dashboardUrl?: string; storage: string; host: string }): string {
  const lines = [
    '',
    '  Durably example service',
    '',
    `  URL:       ${service.url}`,
    `  Admin API: ${service.adminUrl}`,
    ...(service.dashboardUrl === undefined ? [] : [`  Dashboard: ${service.dashboardUrl}  (open it in a browser)`]),
    `  Storage:   ${service.storage}${service.storage.startsWith('embedded') ? ' (set MONGODB_URI to use your MongoDB)' : ''}`,
    '',
    "  !! LOCAL DEVELOPMENT ONLY: the admin API is mounted with { auth: 'none' }: anyone who can reach it can start,",
    '  !! read, raise events to and terminate every instance. Production apps pass `authorize` (see docs/http-api.md).',
  ];
  if (!isLoopback(service.host)) lines.push(`  !! It listens on ${service.host}, which is reachable from other machines.`);
  lines.push('', '  Try it (copy and paste):');
  for (const section of BANNER_SECTIONS) {
    lines.push('', `  ## ${section.title}`);
    for (const command of section.commands) lines.push(`  # ${command.comment}`, `  ${toCurl(service.adminUrl, command)}`);
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
