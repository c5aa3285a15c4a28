import express from 'express';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded/index.js';
import { ALL_EXAMPLES } from './all-examples.js';

/** Durable Functions' own base path for its HTTP API. */
export const ADMIN_BASE = '/runtime/webhooks/durabletask';

/** Where the web dashboard is mounted. */
export const DASHBOARD_BASE = '/dashboard';

/** Options of {@link startExampleService}. */
export interface ExampleServiceOptions {
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on (keep it on loopback: the admin API has no authentication). */
  readonly host: string;
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
  /** Where the data lives, for the banner. */
  readonly storage: string;
  /** Stops accepting requests, drains Durably and closes the engine. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The example service: one Durably app with every example's orchestrators, activities and entities, its HTTP API on
 * Express, on the embedded engine persisted to `dataDir` (or on `mongoUri`).
 */
export async function startExampleService(options: ExampleServiceOptions): Promise<ExampleService> {
  let engine: EmbeddedMongo | undefined;
  let durably: Durably | undefined;
  try {
    let mongoUri = options.mongoUri;
    if (mongoUri === undefined || mongoUri === '') {
      mkdirSync(options.dataDir, { recursive: true });
      engine = await startEmbeddedMongo({ dbPath: options.dataDir });
      mongoUri = engine.uri;
    }

    const container = rootContainer.createChildContainer();
    for (const example of ALL_EXAMPLES) example.registerServices(container, options.log);
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
    // LOCAL DEVELOPMENT ONLY: `auth: 'none'` lets anyone who can reach the port start, read and terminate anything.
    app.use(ADMIN_BASE, durably.adminRouter({ auth: 'none' }));
    app.use(DASHBOARD_BASE, durably.dashboard({ auth: 'none', apiBase: ADMIN_BASE, title: 'Durably examples' }));
    app.get('/', (_req, res) => {
      res.json({ service: 'durably examples', adminApi: ADMIN_BASE, dashboard: `${DASHBOARD_BASE}/`, examples: ALL_EXAMPLES.map((example) => example.name) });
    });
    const server = await listen(app, options.port, options.host);
    const { port } = server.address() as AddressInfo;
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

    const started = durably; // narrowed for the closure below
    let stopping: Promise<void> | undefined;
    return {
      url,
      adminUrl: `${url}${ADMIN_BASE}`,
      dashboardUrl: `${url}${DASHBOARD_BASE}/`,
      storage: engine === undefined ? `MongoDB at ${redactUri(mongoUri)}` : `embedded engine at ${engine.uri}, data in ${options.dataDir}`,
      stop: () => {
        stopping ??= (async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          await started.stop();
          await engine?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await durably?.stop();
    await engine?.stop();
    throw error;
  }
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error === undefined ? resolve(server) : reject(new Error(`Cannot listen on ${host}:${port} (${error.message}); set PORT to use another port`, { cause: error }))));
  });
}

/** The URI without its password, for printing. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
