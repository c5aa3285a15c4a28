import { beforeAll, describe, expect, it } from '@jest/globals';
import { Binary } from 'bson';
import { deriveScramCredential, type ScramCredential } from '../../../../src/embedded/auth/scram-credential.js';
import { CommandError } from '../../../../src/core/errors/command-error.js';
import { ConnectionAuth } from '../../../../src/embedded/commands/connection-auth.js';
import type { Document } from '../../../../src/embedded/bson/document.js';
import { ScramTestClient } from './scram-test-client.js';

let credential: ScramCredential;

beforeAll(async () => {
  credential = await deriveScramCredential('app', 'pw', { iterations: 4096 });
});

const payloadOf = (reply: Document | undefined): Buffer => {
  const payload = reply?.payload as Binary;
  return Buffer.from(payload.buffer.subarray(0, payload.position));
};

function codeNameOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (error instanceof CommandError) return error.codeName;
    throw error;
  }
}

const saslStartOf = (client: ScramTestClient, mechanism = 'SCRAM-SHA-256'): Document =>
  ({ saslStart: 1, mechanism, payload: new Binary(client.first()), options: { skipEmptyExchange: true } });

describe('ConnectionAuth', () => {
  it('lets an unauthenticated connection run only the handshake, authentication and harmless probes', () => {
    const auth = new ConnectionAuth(credential);
    for (const name of ['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'connectionStatus', 'logout']) {
      expect(codeNameOf(() => auth.assertMayRun(name))).toBeUndefined();
    }
    for (const name of ['find', 'insert', 'endSessions', 'listDatabases', 'serverStatus', 'whatsmyuri']) {
      expect(codeNameOf(() => auth.assertMayRun(name))).toBe('Unauthorized');
    }
  });

  it('lets everything through when the engine has no credentials', () => {
    expect(codeNameOf(() => new ConnectionAuth(undefined).assertMayRun('insert'))).toBeUndefined();
  });

  it('authenticates through saslStart and saslContinue, then allows every command until logout', () => {
    const auth = new ConnectionAuth(credential);
    const client = new ScramTestClient('app', 'pw', 'clientnonce123456');
    const first = auth.saslStart(saslStartOf(client), 'admin');
    expect(first).toMatchObject({ conversationId: 1, done: false });
    const final = auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: new Binary(client.final(payloadOf(first))) });
    expect(final.done).toBe(true);
    expect(client.verifies(payloadOf(final))).toBe(true);
    expect(auth.user).toBe('app');
    expect(codeNameOf(() => auth.assertMayRun('insert'))).toBeUndefined();
    auth.logout();
    expect(auth.user).toBeUndefined();
    expect(codeNameOf(() => auth.assertMayRun('insert'))).toBe('Unauthorized');
  });

  it('answers a speculative saslStart inside hello, which saslContinue then finishes', () => {
    const auth = new ConnectionAuth(credential);
    const client = new ScramTestClient('app', 'pw', 'clientnonce123456');
    const speculative = auth.speculativeAuthenticate({ ...saslStartOf(client), db: 'admin' });
    expect(speculative).toMatchObject({ conversationId: 1, done: false });
    expect(speculative).not.toHaveProperty('ok');
    auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: new Binary(client.final(payloadOf(speculative))) });
    expect(auth.user).toBe('app');
  });

  it('answers a failed speculative start as if none had been sent', () => {
    const auth = new ConnectionAuth(credential);
    const stranger = new ScramTestClient('nobody', 'pw', 'clientnonce123456');
    expect(auth.speculativeAuthenticate({ ...saslStartOf(stranger), db: 'admin' })).toBeUndefined();
    expect(auth.speculativeAuthenticate({ ...saslStartOf(new ScramTestClient('app', 'pw', 'clientnonce123456')) })).toBeUndefined(); // no db
    expect(auth.speculativeAuthenticate('nonsense')).toBeUndefined();
  });

  it('names SCRAM-SHA-256 as the mechanism of its user only', () => {
    const auth = new ConnectionAuth(credential);
    expect(auth.mechanismsFor('admin.app')).toEqual(['SCRAM-SHA-256']);
    expect(auth.mechanismsFor('app.app')).toBeUndefined();
    expect(auth.mechanismsFor('admin.nobody')).toBeUndefined();
    expect(new ConnectionAuth(undefined).mechanismsFor('admin.app')).toBeUndefined();
  });

  it('answers protocol mistakes with ProtocolError (17) and other mechanisms with MechanismUnavailable (334)', () => {
    const auth = new ConnectionAuth(credential);
    expect(codeNameOf(() => auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: new Binary(Buffer.alloc(0)) }))).toBe('ProtocolError');
    const client = new ScramTestClient('app', 'pw', 'clientnonce123456');
    auth.saslStart(saslStartOf(client), 'admin');
    expect(codeNameOf(() => auth.saslContinue({ saslContinue: 1, conversationId: 2, payload: new Binary(Buffer.alloc(0)) }))).toBe('ProtocolError');
    expect(codeNameOf(() => auth.saslStart(saslStartOf(client, 'SCRAM-SHA-1'), 'admin'))).toBe('MechanismUnavailable');
    expect(codeNameOf(() => auth.saslStart(saslStartOf(client, 'PLAIN'), 'admin'))).toBe('MechanismUnavailable');
  });

  it('answers every failure with the same AuthenticationFailed (18) and keeps the connection unauthenticated', () => {
    const auth = new ConnectionAuth(credential);
    expect(codeNameOf(() => auth.saslStart(saslStartOf(new ScramTestClient('nobody', 'pw', 'clientnonce123456')), 'admin'))).toBe('AuthenticationFailed');
    expect(codeNameOf(() => auth.saslStart(saslStartOf(new ScramTestClient('app', 'pw', 'clientnonce123456')), 'other'))).toBe('AuthenticationFailed');
    const client = new ScramTestClient('app', 'not pw', 'clientnonce123456');
    const first = auth.saslStart(saslStartOf(client), 'admin');
    const error = (() => {
      try {
        auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: new Binary(client.final(payloadOf(first))) });
      } catch (e) {
        return e as CommandError;
      }
      return undefined;
    })();
    expect(error?.toReplyFields()).toEqual({ errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' });
    expect(auth.user).toBeUndefined();
  });

  it('accepts the payload as a base64 string, and answers in kind', () => {
    const auth = new ConnectionAuth(credential);
    const client = new ScramTestClient('app', 'pw', 'clientnonce123456');
    const first = auth.saslStart({ saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: client.first().toString('base64') }, 'admin');
    expect(typeof first.payload).toBe('string');
    const second = auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: client.final(Buffer.from(first.payload as string, 'base64')).toString('base64') });
    expect(second.done).toBe(false); // no skipEmptyExchange: one more, empty, round
    expect(auth.saslContinue({ saslContinue: 1, conversationId: 1, payload: '' })).toEqual({ conversationId: 1, done: true, payload: '' });
    expect(auth.user).toBe('app');
  });
});
