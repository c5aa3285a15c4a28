import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { container as rootContainer } from 'tsyringe';
import type { Durably } from '../../../src/app/durably.js';
import type { RunnableClass } from '../../../src/engine/task-types.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { ACTIVITIES, ENTITIES, HeldCities, ORCHESTRATORS } from './fixtures.js';

/** DF's own mount path. */
export const DF_BASE = '/runtime/webhooks/durabletask';

/** The query string of every management URL the router hands out (the test apps' task hub), as DF's URLs carry. */
export const SCOPE = 'taskHub=Durably&connection=Storage';

/** A Durably app behind a real listening Express server. */
export interface HttpTestApp {
  readonly app: TestApp;
  readonly durably: Durably;
  readonly held: HeldCities;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** What the unexpected-error log received. */
  readonly errors: unknown[][];
  /** An HTTP call against `origin + path`. */
  call(method: string, path: string, init?: CallInit): Promise<HttpResult>;
  stop(): Promise<void>;
}

export interface CallInit {
  readonly headers?: Record<string, string>;
  /** A JSON value, sent with `Content-Type: application/json` unless `headers` says otherwise. */
  readonly json?: unknown;
  /** A raw body (no content type added). */
  readonly body?: string | Uint8Array;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the suites read loosely typed JSON payloads
  readonly body: any;
}

/**
 * Starts the app and an Express server; `mount` wires the routers (default: one router with `auth: 'none'` at DF's
 * base path). Requests no router answers get the marker 404 `{ unmatched: true }` from the app. The app registers the
 * suites' fixtures, or the `orchestrators` given.
 */
export async function startHttpApp(options: {
  mount?: (app: Express, durably: Durably, log: (level: string, message: string, ...args: unknown[]) => void) => void;
  orchestrators?: readonly RunnableClass[];
} = {}): Promise<HttpTestApp> {
  const held = new HeldCities();
  const container = rootContainer.createChildContainer();
  container.registerInstance(HeldCities, held);
  const errors: unknown[][] = [];
  const log = (level: string, message: string, ...args: unknown[]): void => {
    // The third argument is the log record: its error follows the message.
    if (level === 'error') errors.push([message, (args[0] as { error?: unknown } | undefined)?.error]);
  };
  const app = await startTestApp({ orchestrators: options.orchestrators ?? ORCHESTRATORS, activities: ACTIVITIES, entities: ENTITIES, container, logger: log });
  const web = express();
  (options.mount ?? ((a, durably) => a.use(DF_BASE, durably.adminRouter({ auth: 'none' }))))(web, app.durably, log);
  web.use((_req, res) => {
    res.status(404).json({ unmatched: true });
  });
  const server: Server = createServer(web);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    durably: app.durably,
    held,
    origin,
    errors,
    call: (method, path, init = {}) => call(origin, method, path, init),
    stop: async () => {
      held.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await app.stop();
    },
  };
}

/** `fetch`, with the body read once as text and as JSON. */
export async function call(origin: string, method: string, path: string, init: CallInit = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | Uint8Array | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const url = path.startsWith('http') ? path : `${origin}${path}`;
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return parse(response.status, response.headers, await response.text());
}

/**
 * A raw HTTP/1.1 request, for what fetch will not send: a forged Host header, a path that is not valid
 * percent-encoding, browser-only headers (Sec-Fetch-Site, Origin) exactly as given, bytes that are not UTF-8.
 */
export function rawCall(origin: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array): Promise<HttpResult> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const h = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') h.set(name, value);
        resolve(parse(res.statusCode ?? 0, h, Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function parse(status: number, headers: Headers, text: string): HttpResult {
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, headers, text, body };
}

/** Polls `url` until its status is not 202 (an instance still running), or gives up after `timeoutMs`. */
export async function pollUntilDone(target: HttpTestApp, url: string, timeoutMs = 15_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await target.call('GET', url);
    if (result.status !== 202 || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls until the instance reaches `runtimeStatus` (through the client), or gives up. */
export async function waitForStatus(target: HttpTestApp, instanceId: string, runtimeStatus: string, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await target.durably.client.getStatus(instanceId))?.runtimeStatus === runtimeStatus) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every error body of the admin router has this shape and never a stack trace. */
export function expectErrorBody(result: HttpResult): { error: string; message: string; details: { location: string; field: string; message: string }[] } {
  const body = result.body as { error?: unknown; message?: unknown; details?: unknown };
  if (typeof body?.error !== 'string' || typeof body.message !== 'string' || !Array.isArray(body.details)) {
    throw new Error(`not an error body (${result.status}): ${result.text}`);
  }
  if (/\bat .+:\d+:\d+/.test(result.text) || result.text.includes('stack')) throw new Error(`error body leaks a stack: ${result.text}`);
  if (result.headers.get('content-type')?.startsWith('application/json') !== true) throw new Error(`error is not JSON: ${result.headers.get('content-type')}`);
  return body as never;
}
