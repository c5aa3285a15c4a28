#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EmbeddedEngineError } from '../core/errors/embedded-engine-error.js';
import { startEmbeddedMongo, type EmbeddedMongoCredentials } from './start-embedded-mongo.js';

const USAGE = `usage: durably-mongo [--port 27017] [--host 127.0.0.1] [--dbpath ./data] [--username NAME] [--password-file FILE]
                     [--replSet rs0 | --standalone] [--oplogSizeMB 64]

A single-node replica set named by --replSet (default rs0: change streams, retryable writes), or with --standalone a
standalone server.

Authentication (SCRAM-SHA-256): set a password in DURABLY_MONGO_PASSWORD or in the first line of --password-file;
the user is --username (or DURABLY_MONGO_USERNAME), default 'durably', defined in the 'admin' database. A password is
never taken on the command line, where other local users could read it. Listening beyond loopback (--host 0.0.0.0)
requires authentication.`;

/** The credential from the flags and the environment; undefined when no password is set. */
function credentialsFrom(values: { username?: string; 'password-file'?: string }, env: NodeJS.ProcessEnv): EmbeddedMongoCredentials | undefined {
  const username = values.username ?? nonEmpty(env.DURABLY_MONGO_USERNAME);
  let password = nonEmpty(env.DURABLY_MONGO_PASSWORD);
  const file = values['password-file'];
  if (file !== undefined) {
    if (password !== undefined) throw new EmbeddedEngineError('set the password either in DURABLY_MONGO_PASSWORD or with --password-file, not both');
    try {
      password = nonEmpty(readFileSync(file, 'utf8').split(/\r?\n/, 1)[0]);
    } catch (error) {
      throw new EmbeddedEngineError(`cannot read --password-file '${file}': ${(error as Error).message}`);
    }
    if (password === undefined) throw new EmbeddedEngineError(`--password-file '${file}' is empty`);
  }
  if (password === undefined) {
    if (username !== undefined) throw new EmbeddedEngineError(`a user name ('${username}') was given without a password: set DURABLY_MONGO_PASSWORD or --password-file`);
    return undefined;
  }
  return { username: username ?? 'durably', password };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `durably-mongo`: runs the embedded engine as a standalone process that several workers can share over TCP. */
async function main(): Promise<void> {
  let values;
  let auth: EmbeddedMongoCredentials | undefined;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '27017' },
        host: { type: 'string', default: '127.0.0.1' },
        dbpath: { type: 'string' },
        username: { type: 'string' },
        'password-file': { type: 'string' },
        replSet: { type: 'string', default: 'rs0' },
        standalone: { type: 'boolean', default: false },
        oplogSizeMB: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    auth = credentialsFrom(values, process.env);
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
  const oplogSizeMB = values.oplogSizeMB === undefined ? undefined : Number(values.oplogSizeMB);
  if (oplogSizeMB !== undefined && !(oplogSizeMB > 0)) {
    process.stderr.write(`invalid --oplogSizeMB '${values.oplogSizeMB}'\n${USAGE}\n`);
    process.exit(2);
  }
  const mongo = await startEmbeddedMongo({
    port,
    host: values.host,
    dbPath: values.dbpath,
    replicaSet: values.standalone ? false : values.replSet,
    ...(oplogSizeMB === undefined ? {} : { oplogSizeMB }),
    ...(auth === undefined ? {} : { auth }),
  });
  const storage = values.dbpath === undefined ? 'memory only' : `dbPath ${values.dbpath}`;
  // The printed URI never holds the password (redactedUri): the console and its logs are not secret.
  process.stdout.write(`durably-mongo listening on ${mongo.redactedUri} (${storage}${auth === undefined ? '' : `; user '${auth.username}' in 'admin' required`})\n`);
  if (auth !== undefined) {
    const plain = mongo.redactedUri.replace(/\/\/[^@/]*@/, '//');
    process.stdout.write(`  connect: mongosh "${plain}" --username ${auth.username} --authenticationDatabase admin (asks for the password)\n`);
  }
  process.stdout.write(mongo.replicaSet === undefined ? '  standalone server (no change streams)\n' : `  replica set '${mongo.replicaSet}' (one member, primary; change streams and retryable writes)\n`);
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
