// SCRAM-SHA-256 through the real driver: an engine with credentials serves only the clients that present them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, MongoServerError, type MongoClientOptions } from 'mongodb';
import { DurableError } from '../../../src/core/durable-error.js';
import { EmbeddedEngineError, startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';

// A non-ASCII space and letter: drivers SASLprep the password, and the engine must derive its key from the same text.
const PASSWORD = 'correct\u00a0horse b\u00e4ttery';
let mongo: EmbeddedMongo;
const clients: MongoClient[] = [];

beforeAll(async () => {
  mongo = await startEmbeddedMongo({ auth: { username: 'app', password: PASSWORD }, log: () => undefined });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await mongo.stop();
});

/** A client (closed after the suite) that does not wait long for a server that refuses it. */
function clientOf(uri: string, options: MongoClientOptions = {}): MongoClient {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, ...options });
  clients.push(client);
  return client;
}

const plainUri = (): string => `mongodb://127.0.0.1:${mongo.port}/`;

async function failureOf(work: Promise<unknown>): Promise<MongoServerError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}

describe('an engine with credentials', () => {
  it('refuses every command of a client without credentials with Unauthorized (13), as mongod does', async () => {
    const client = clientOf(plainUri());
    const db = client.db('app');
    const insert = await failureOf(db.collection('things').insertOne({ a: 1 }));
    expect(insert.code).toBe(13);
    expect(insert.codeName).toBe('Unauthorized');
    expect(insert.message).toBe('Command insert requires authentication');
    expect((await failureOf(db.collection('things').findOne({}))).code).toBe(13);
    expect((await failureOf(client.db('admin').command({ listDatabases: 1 }))).code).toBe(13);
    expect((await failureOf(db.command({ serverStatus: 1 }))).code).toBe(13);
    // The handshake and harmless probes need no authentication (mongod's requiresAuth() is false for them).
    expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await db.command({ connectionStatus: 1 })).toMatchObject({ authInfo: { authenticatedUsers: [] } });
    // An unknown command is still CommandNotFound, as in mongod.
    expect((await failureOf(db.command({ noSuchCommand: 1 }))).code).toBe(59);
  });

  it('serves a client with the right credentials (the URI it hands out carries them)', async () => {
    expect(mongo.uri).toBe(`mongodb://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${mongo.port}/`);
    const client = clientOf(mongo.uri);
    const things = client.db('app').collection('things');
    await things.insertOne({ _id: 1, a: 1 } as never);
    expect(await things.findOne({})).toEqual({ _id: 1, a: 1 });
    const status = await client.db('admin').command({ connectionStatus: 1 });
    expect(status.authInfo).toEqual({ authenticatedUsers: [{ user: 'app', db: 'admin' }], authenticatedUserRoles: [{ role: 'root', db: 'admin' }] });
  });

  it('accepts the credentials given as options and SCRAM-SHA-256 named explicitly', async () => {
    const client = clientOf(plainUri(), { auth: { username: 'app', password: PASSWORD }, authMechanism: 'SCRAM-SHA-256', authSource: 'admin' });
    expect(await client.db('app').collection('things').countDocuments()).toBeGreaterThanOrEqual(0);
  });

  it('never shows the password in redactedUri', () => {
    expect(mongo.redactedUri).toBe(`mongodb://app:****@127.0.0.1:${mongo.port}/`);
    expect(mongo.credentials).toEqual({ username: 'app', password: PASSWORD });
  });

  it('refuses a wrong password with AuthenticationFailed (18)', async () => {
    const client = clientOf(`mongodb://app:wrong-password@127.0.0.1:${mongo.port}/`);
    const error = await failureOf(client.db('app').command({ ping: 1 }));
    expect(error.code).toBe(18);
    expect(error.codeName).toBe('AuthenticationFailed');
  });

  it('refuses an unknown user, and the right user authenticating against another database, with the same error (18)', async () => {
    expect((await failureOf(clientOf(`mongodb://someone:${encodeURIComponent(PASSWORD)}@127.0.0.1:${mongo.port}/`).db('app').command({ ping: 1 }))).code).toBe(18);
    const elsewhere = clientOf(`mongodb://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${mongo.port}/app?authSource=app`);
    expect((await failureOf(elsewhere.db('app').command({ ping: 1 }))).code).toBe(18);
  });

  it('refuses SCRAM-SHA-1 cleanly with MechanismUnavailable (334)', async () => {
    const client = clientOf(mongo.uri, { authMechanism: 'SCRAM-SHA-1' });
    const error = await failureOf(client.db('app').command({ ping: 1 }));
    expect(error.code).toBe(334);
    expect(error.message).toMatch(/SCRAM-SHA-256/);
  });
});

describe('an engine without credentials', () => {
  it('refuses a client that presents some (no user exists), as mongod without users does', async () => {
    const open = await startEmbeddedMongo({ log: () => undefined });
    try {
      expect(open.credentials).toBeUndefined();
      expect(open.redactedUri).toBe(open.uri);
      const client = clientOf(`mongodb://app:pw@127.0.0.1:${open.port}/`);
      expect((await failureOf(client.db('app').command({ ping: 1 }))).code).toBe(18);
      const anonymous = clientOf(open.uri);
      expect(await anonymous.db('app').collection('x').countDocuments()).toBe(0);
      await anonymous.close();
      await client.close();
    } finally {
      await open.stop();
    }
  });
});

describe('listening beyond loopback', () => {
  it.each(['0.0.0.0', '::'])('is refused without credentials on %s, with a typed error', async (host) => {
    const error = await startEmbeddedMongo({ host, log: () => undefined }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedEngineError);
    expect(error).toBeInstanceOf(DurableError);
    expect((error as EmbeddedEngineError).code).toBe('EMBEDDED_ENGINE_AUTH_REQUIRED');
    expect((error as Error).message).toMatch(/without authentication/);
  });

  it('is allowed with credentials', async () => {
    const engine = await startEmbeddedMongo({ host: '0.0.0.0', auth: 'generate', log: () => undefined });
    try {
      expect(engine.credentials?.username).toBe('durably');
      expect(engine.credentials?.password.length).toBeGreaterThanOrEqual(32);
      const client = clientOf(`mongodb://durably:${encodeURIComponent(engine.credentials!.password)}@127.0.0.1:${engine.port}/`);
      expect(await client.db('app').command({ ping: 1 })).toMatchObject({ ok: 1 });
      expect((await failureOf(clientOf(`mongodb://127.0.0.1:${engine.port}/`).db('app').collection('x').findOne({}))).code).toBe(13);
    } finally {
      await engine.stop();
    }
  });

  it.each(['localhost', '127.0.0.1', '127.0.0.2'])('needs no credentials on the loopback address %s', async (host) => {
    const engine = await startEmbeddedMongo({ host, log: () => undefined });
    await engine.stop();
    expect(engine.port).toBeGreaterThan(0);
  });

  it('refuses a credential no driver could present', async () => {
    const error = await startEmbeddedMongo({ auth: { username: 'app', password: 'bell\u0007' }, log: () => undefined }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedEngineError);
    expect((error as EmbeddedEngineError).code).toBe('EMBEDDED_ENGINE_ERROR');
  });
});
