import 'reflect-metadata';
import path from 'node:path';
import { renderBanner } from './service/banner.js';
import { startExampleService } from './service/example-service.js';

/**
 * `npm start`: the example service. Every example's orchestrators, activities and entities in one Durably app with
 * the Durable Functions HTTP API, on the embedded engine with its data in ./data/example-service (stop it while an
 * orchestration waits, start it again: the orchestration carries on).
 *
 * Environment: `PORT` (default 3000; 0 picks a free one), `HOST` (default 127.0.0.1), `DURABLY_DATA_DIR` (default
 * ./data/example-service), `MONGODB_URI` (a real MongoDB instead of the embedded engine), `DURABLY_ADMIN_KEY` (the key
 * the admin API requires, at least 16 characters; default: a new random key at every start, printed in the banner),
 * `DURABLY_ALLOWED_HOSTS` (comma-separated host names to serve besides the loopback names and `HOST`).
 */
async function main(): Promise<void> {
  const host = process.env.HOST ?? '127.0.0.1';
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const service = await startExampleService({
    port: Number(process.env.PORT ?? 3000),
    host,
    dataDir: path.resolve(process.env.DURABLY_DATA_DIR ?? 'data/example-service'),
    ...(process.env.MONGODB_URI === undefined ? {} : { mongoUri: process.env.MONGODB_URI }),
    ...(process.env.DURABLY_ADMIN_KEY === undefined || process.env.DURABLY_ADMIN_KEY === '' ? {} : { adminKey: process.env.DURABLY_ADMIN_KEY }),
    allowedHosts: (process.env.DURABLY_ALLOWED_HOSTS ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''),
    log,
  });
  log(renderBanner({ ...service, host }));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping (running work is drained; press Ctrl-C again to exit at once)`);
    service.stop().then(
      () => {
        log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
