import { describe, expect, it } from '@jest/globals';
import { deriveScramCredential, type ScramCredential } from '../../../../src/embedded/auth/scram-credential.js';
import { ScramServerConversation, type ScramFailure, type ScramStep } from '../../../../src/embedded/auth/scram-server-conversation.js';
import { ScramTestClient } from './scram-test-client.js';

const lookupOf = (credential: ScramCredential) => (username: string) => (username === credential.username ? credential : undefined);

function ok(result: ScramStep | ScramFailure): ScramStep {
  if (!result.ok) throw new Error(`step failed: ${result.reason}`);
  return result;
}

describe('SCRAM-SHA-256, server side', () => {
  it('reproduces the exchange of RFC 7677 §3 byte for byte', async () => {
    // The RFC's example: user "user", password "pencil", 4096 iterations, its salt and nonces.
    const credential = await deriveScramCredential('user', 'pencil', { iterations: 4096, salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64') });
    const conversation = new ScramServerConversation(lookupOf(credential), { skipEmptyExchange: true, serverNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' });

    const first = ok(conversation.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')));
    expect(first.payload.toString()).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(first.done).toBe(false);
    expect(conversation.authenticatedUser).toBeUndefined();

    const final = ok(conversation.step(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')));
    expect(final.payload.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(final.done).toBe(true);
    expect(conversation.authenticatedUser).toBe('user');
  });

  it('derives the credential with a fresh salt and mongod\'s 15,000 iterations by default', async () => {
    const [a, b] = await Promise.all([deriveScramCredential('u', 'same password'), deriveScramCredential('u', 'same password')]);
    expect(a.iterations).toBe(15_000);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey.equals(b.storedKey)).toBe(false);
  });

  describe('with a client written from the RFC', () => {
    let credential: ScramCredential;
    const conversationFor = (options: { skipEmptyExchange?: boolean } = { skipEmptyExchange: true }) =>
      new ScramServerConversation(lookupOf(credential), options);

    it('authenticates the right password and signs so that the client can verify the server', async () => {
      credential = await deriveScramCredential('app', 'correct horse', { iterations: 4096 });
      const client = new ScramTestClient('app', 'correct horse', 'clientnonce123456');
      const conversation = conversationFor();
      const final = ok(conversation.step(client.final(ok(conversation.step(client.first())).payload)));
      expect(final.done).toBe(true);
      expect(client.verifies(final.payload)).toBe(true);
      expect(conversation.authenticatedUser).toBe('app');
    });

    it('without skipEmptyExchange, finishes only on the client\'s empty third message', () => {
      const client = new ScramTestClient('app', 'correct horse', 'clientnonce123456');
      const conversation = conversationFor({});
      const final = ok(conversation.step(client.final(ok(conversation.step(client.first())).payload)));
      expect(final.done).toBe(false);
      expect(conversation.authenticatedUser).toBeUndefined();
      const last = ok(conversation.step(Buffer.alloc(0)));
      expect(last).toEqual({ ok: true, payload: Buffer.alloc(0), done: true });
      expect(conversation.authenticatedUser).toBe('app');
    });

    it.each([
      ['a wrong password', (c: ScramServerConversation) => new ScramTestClient('app', 'wrong horse', 'clientnonce123456').final(ok(c.step(new ScramTestClient('app', 'x', 'clientnonce123456').first())).payload)],
      ['a tampered proof', (c: ScramServerConversation) => {
        const client = new ScramTestClient('app', 'correct horse', 'clientnonce123456');
        return client.final(ok(c.step(client.first())).payload, { proof: true });
      }],
      ['a replayed nonce', (c: ScramServerConversation) => {
        const client = new ScramTestClient('app', 'correct horse', 'clientnonce123456');
        return client.final(ok(c.step(client.first())).payload, { nonce: 'clientnonce123456someoneelses' });
      }],
    ])('refuses %s, and the conversation is over', (_name, finalMessage) => {
      const conversation = conversationFor();
      const result = conversation.step(finalMessage(conversation));
      expect(result.ok).toBe(false);
      expect(conversation.authenticatedUser).toBeUndefined();
      expect(conversation.step(Buffer.alloc(0)).ok).toBe(false);
    });

    it.each([
      ['an unknown user', 'n,,n=nobody,r=clientnonce123456'],
      ['channel binding', 'p=tls-unique,,n=app,r=clientnonce123456'],
      ['a mandatory extension', 'n,,m=ext,n=app,r=clientnonce123456'],
      ['an authzid naming someone else', 'n,a=root,n=app,r=clientnonce123456'],
      ['a missing nonce', 'n,,n=app'],
      ['no GS2 header', 'n=app,r=clientnonce123456'],
    ])('refuses a first message with %s', (_name, message) => {
      const result = conversationFor().step(Buffer.from(message));
      expect(result.ok).toBe(false);
    });

    it('decodes =2C and =3D in user names', async () => {
      const odd = await deriveScramCredential('a,b=c', 'pw', { iterations: 4096 });
      const conversation = new ScramServerConversation(lookupOf(odd), { skipEmptyExchange: true });
      const client = new ScramTestClient('a,b=c', 'pw', 'clientnonce123456');
      ok(conversation.step(client.final(ok(conversation.step(client.first())).payload)));
      expect(conversation.authenticatedUser).toBe('a,b=c');
    });
  });
});
