import 'reflect-metadata';
import express from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { container as rootContainer } from 'tsyringe';
import { Durably, type CheckStatusPayload, type InstanceStatusPayload } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { DEFAULT_REQUEST, PublishSalesReport, QueryRegionSales, SalesReport, type SalesReportRequest, type SalesReportResult } from './sales-report.js';
import { ReportStore, SalesDatabase } from './sales-services.js';

/** Durable Functions' own base path for its HTTP API. */
const ADMIN_BASE = '/runtime/webhooks/durabletask';

/** One answer of the status URL. */
export interface StatusPoll {
  readonly httpStatus: number;
  readonly runtimeStatus: string;
  readonly customStatus: unknown;
}

/** What the async HTTP API example returns. */
export interface AsyncHttpApiResult {
  /** The start request's answer: 202, with a Location header and the check-status payload. */
  readonly start: { readonly httpStatus: number; readonly location: string | null; readonly payload: CheckStatusPayload };
  /** Every answer of the status URL, in order: 202 while it runs, 200 once it completed. */
  readonly polls: StatusPoll[];
  /** The output in the final 200 answer. */
  readonly output: SalesReportResult;
}

/**
 * The async HTTP API pattern, as a client sees it: serves Durably's HTTP API with Express, starts `SalesReport` with
 * `POST …/orchestrators/SalesReport`, then polls the `statusQueryGetUri` it got back until the answer is `200`.
 */
export async function main(options: ExampleOptions = {}, request: SalesReportRequest = DEFAULT_REQUEST): Promise<AsyncHttpApiResult> {
  const container = rootContainer.createChildContainer();
  container.registerInstance(SalesDatabase, new SalesDatabase());
  container.registerInstance(ReportStore, new ReportStore());
  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'AsyncHttpApi',
    orchestrators: [SalesReport],
    activities: [QueryRegionSales, PublishSalesReport],
    container,
  });

  const app = express();
  // `auth: 'none'` is for local development only: production apps pass `authorize` (see docs/http-api.md).
  app.use(ADMIN_BASE, durably.adminRouter({ auth: 'none' }));
  const server = app.listen(0, '127.0.0.1');
  const listening = once(server, 'listening');
  try {
    await listening;
    await durably.start();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return await runClient(`${origin}${ADMIN_BASE}`, request);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await durably.stop();
  }
}

/** The HTTP client's side: start, then poll the status URL until it answers 200. */
async function runClient(adminUrl: string, request: SalesReportRequest): Promise<AsyncHttpApiResult> {
  const started = await fetch(`${adminUrl}/orchestrators/SalesReport`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (started.status !== 202) throw new Error(`Start answered ${started.status}: ${await started.text()}`);
  const payload = (await started.json()) as CheckStatusPayload;

  const polls: StatusPoll[] = [];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(payload.statusQueryGetUri);
    const status = (await response.json()) as InstanceStatusPayload;
    polls.push({ httpStatus: response.status, runtimeStatus: status.runtimeStatus, customStatus: status.customStatus });
    if (response.status !== 202) {
      if (status.runtimeStatus !== 'Completed') throw new Error(`SalesReport ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
      return {
        start: { httpStatus: started.status, location: started.headers.get('location'), payload },
        polls,
        output: status.output as SalesReportResult,
      };
    }
    if (Date.now() > deadline) throw new Error('SalesReport did not complete within 30 s');
    // Real clients wait as long as the Retry-After header says (DF's default: a few seconds); the demo polls faster.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

runExample(import.meta.url, () => main(), ({ start, polls, output }) => [
  `POST …/orchestrators/SalesReport → ${start.httpStatus}, Location: ${start.location ?? '(none)'}`,
  ...polls.map((poll) => `GET statusQueryGetUri → ${poll.httpStatus} ${poll.runtimeStatus} ${JSON.stringify(poll.customStatus)}`),
  `Report ${output.quarter}: €${output.grandTotal.toLocaleString('en-US')} in total, published at ${output.url}`,
].join('\n'));
