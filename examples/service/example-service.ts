import express from 'express';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded/index.js';
import { ALL_EXAMPLES } from './all-examples.js';
import { MongoStandInCounters } from './mongo-stand-in-counters.js';

/** Durable Functions' own base path for its HTTP API. */
export const ADMIN_BASE = '/runtime/webhooks/durabletask';

/** Where the web dashboard is mounted. */
export const DASHBOARD_BASE = '/dashboard';

/** Options of {@link startExampleService}. */
export interface ExampleServiceOptions {
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on (keep it on loopback unless others should reach the service: the key is all that protects it). */
  readonly host: string;
  /**
   * The key the admin API requires (`x-functions-key` header or `?code=`), at least 16 characters. Default: a new
   * random key at every start.
   */
  readonly adminKey?: string;
  /**
   * Host names the service answers to besides the loopback names and `host` (e.g. the machine's name, or a public
   * name in front of it); see the admin router's `allowedHosts`.
   */
  readonly allowedHosts?: readonly string[];
  /** The embedded engine's data folder: what makes instances survive a restart. Not used with `mongoUri`. */
  readonly dataDir: string;
  /** A real MongoDB instead of the embedded engine. */
  readonly mongoUri?: string;
  /** Where the service and the examples' stand-in services print what they do. */
  readonly log: (line: string) => void;
}

/** A running example service. */
export interface ExampleService {
  /** `http://host:port` */
  readonly url: string;
  /** The admin API's base URL. */
  readonly adminUrl: string;
  /** The web dashboard's URL. */
  readonly dashboardUrl: string;
  /** The key the admin API requires: send it as the `x-functions-key` header (or `?code=`). */
  readonly adminKey: string;
  /** Where the data lives, for the banner. */
  readonly storage: string;
  /** Stops accepting requests, drains Durably and closes the engine. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The example service: one Durably app with every example's orchestrators, activities and entities, its HTTP API on
 * Express, on the embedded engine persisted to `dataDir` (or on `mongoUri`). The examples' stand-in services keep
 * their counters (payment numbers, job checks) in the same database (see mongo-stand-in-counters.ts).
 */
export async function startExampleService(options: ExampleServiceOptions): Promise<ExampleService> {
  let engine: EmbeddedMongo | undefined;
  let durably: Durably | undefined;
  let counters: MongoStandInCounters | undefined;
  try {
    let mongoUri = options.mongoUri;
    if (mongoUri === undefined || mongoUri === '') {
      mkdirSync(options.dataDir, { recursive: true });
      // A credential generated for this run: no other local user or process can read or rewrite the data.
      engine = await startEmbeddedMongo({ dbPath: options.dataDir, auth: 'generate' });
      mongoUri = engine.uri;
    }

    counters = await MongoStandInCounters.connect(mongoUri);
    const container = rootContainer.createChildContainer();
    for (const example of ALL_EXAMPLES) example.registerServices(container, options.log, counters);
    durably = await Durably.create({
      mongoUri,
      taskHub: 'Examples',
      orchestrators: ALL_EXAMPLES.flatMap((example) => example.orchestrators),
      activities: ALL_EXAMPLES.flatMap((example) => example.activities),
      entities: ALL_EXAMPLES.flatMap((example) => example.entities ?? []),
      container,
      logger: (level, message, ...args) => {
        if (level === 'warn' || level === 'error') options.log(`[durably] ${level}: ${[message, ...args.map(String)].join(' ')}`);
      },
    });
    await durably.start();

    const app = express();
    // Only callers with the key may use the admin API; it answers to the loopback names (and the configured ones)
    // only, and refuses changes sent by other sites' pages: no web page the developer visits can drive it.
    const adminKey = options.adminKey ?? randomBytes(24).toString('base64url');
    const allowedHosts = [...(options.allowedHosts ?? []), ...bindHost(options.host)];
    app.use(ADMIN_BASE, durably.adminRouter({ keys: [adminKey], allowedHosts }));
    // The page holds no data: it asks for the key and sends it (as a header) with its calls to the admin API.
    app.use(DASHBOARD_BASE, durably.dashboard({ auth: 'none', apiBase: ADMIN_BASE, title: 'Durably examples', allowedHosts }));
    app.get('/', (_req, res) => {
      res.json({ service: 'durably examples', adminApi: ADMIN_BASE, dashboard: `${DASHBOARD_BASE}/`, examples: ALL_EXAMPLES.map((example) => example.name) });
    });
    const server = await listen(app, options.port, options.host);
    const { port } = server.address() as AddressInfo;
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

    const started = durably; // narrowed for the closures below
    const standIns = counters;
    let stopping: Promise<void> | undefined;
    return {
      url,
      adminUrl: `${url}${ADMIN_BASE}`,
      dashboardUrl: `${url}${DASHBOARD_BASE}/`,
      adminKey,
      storage: engine === undefined ? `MongoDB at ${redactUri(mongoUri)}` : `embedded engine at ${engine.redactedUri} (generated credential), data in ${options.dataDir}`,
      stop: () => {
        stopping ??= (async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          await started.stop(); // drains running activities, which may still number things
          await standIns.close();
          await engine?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await durably?.stop();
    await counters?.close();
    await engine?.stop();
    throw error;
  }
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error === undefined ? resolve(server) : reject(new Error(`Cannot listen on ${host}:${port} (${error.message}); set PORT to use another port`, { cause: error }))));
  });
}

/** The interface the service listens on as an allowed host (the banner's URLs name it), unless it is a loopback name. */
function bindHost(host: string): string[] {
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return [];
  return [host.includes(':') ? `[${host}]` : host];
}

/** The URI without its password, for printing. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
