#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './start-embedded-mongo.js';

const USAGE = 'usage: durably-mongo [--port 27017] [--host 127.0.0.1] [--dbpath ./data]';

/** `durably-mongo`: runs the embedded engine as a standalone process that several workers can share over TCP. */
async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '27017' },
        host: { type: 'string', default: '127.0.0.1' },
        dbpath: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port '${values.port}'\n${USAGE}\n`);
    process.exit(2);
  }
  const mongo = await startEmbeddedMongo({ port, host: values.host, dbPath: values.dbpath });
  process.stdout.write(`durably-mongo listening on ${mongo.uri}${values.dbpath === undefined ? ' (memory only)' : ` (dbPath ${values.dbpath})`}\n`);
  const shutdown = (): void => {
    void mongo.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`durably-mongo: ${(error as Error).message}\n`);
  process.exit(1);
});
