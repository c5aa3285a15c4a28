import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hmac, type ScramCredential } from './scram-credential.js';

/** One step of a conversation: the payload to send back, and whether the client is now authenticated. */
export interface ScramStep {
  readonly ok: true;
  readonly payload: Buffer;
  readonly done: boolean;
}

/**
 * A failed step: unknown user, wrong proof, malformed message. mongod answers every one of them with the same
 * AuthenticationFailed (code 18), so that a client learns nothing about which part was wrong.
 */
export interface ScramFailure {
  readonly ok: false;
  /** For the engine's own diagnostics and tests; never sent to the client. */
  readonly reason: string;
}

/** The credential a conversation authenticates against, looked up by the name the client sends. */
export type CredentialLookup = (username: string) => ScramCredential | undefined;

type State =
  | { readonly step: 'start' }
  | { readonly step: 'proof'; readonly credential: ScramCredential; readonly nonce: string; readonly authMessagePrefix: string; readonly channelBinding: string }
  // The proof was right and the server signature sent; without skipEmptyExchange the client still owes an empty message.
  | { readonly step: 'signed'; readonly username: string }
  | { readonly step: 'verified'; readonly username: string }
  | { readonly step: 'over' };

const failed = (reason: string): ScramFailure => ({ ok: false, reason });

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), as mongod runs it:
 *
 * 1. client-first `n,,n=<user>,r=<client nonce>` → server-first `r=<client nonce + server nonce>,s=<salt>,i=<iterations>`;
 * 2. client-final `c=<gs2 header>,r=<nonce>,p=<proof>` → server-final `v=<server signature>`, done at once with the
 *    `skipEmptyExchange` option drivers send;
 * 3. otherwise, an empty client message → an empty reply, done.
 *
 * Channel binding (`p=`) and mandatory extensions (`m=`) are refused, as mongod does.
 */
export class ScramServerConversation {
  readonly #lookup: CredentialLookup;
  readonly #skipEmptyExchange: boolean;
  readonly #serverNonce: () => string;
  #state: State = { step: 'start' };

  /**
   * @param options - `skipEmptyExchange`: finish with the server signature (drivers ask for it); `serverNonce`: the
   *   server's part of the nonce (default: 24 random bytes in base64, as mongod's; a fixed one is for test vectors).
   */
  constructor(lookup: CredentialLookup, options: { readonly skipEmptyExchange?: boolean; readonly serverNonce?: () => string } = {}) {
    this.#lookup = lookup;
    this.#skipEmptyExchange = options.skipEmptyExchange === true;
    this.#serverNonce = options.serverNonce ?? (() => randomBytes(24).toString('base64'));
  }

  /** The authenticated user once the conversation is done; undefined before. */
  get authenticatedUser(): string | undefined {
    return this.#state.step === 'verified' ? this.#state.username : undefined;
  }

  /** Runs the next step on the client's message. After a failure the conversation is over. */
  step(message: Buffer): ScramStep | ScramFailure {
    const state = this.#state;
    const result = state.step === 'start' ? this.#first(message.toString('utf8'))
      : state.step === 'proof' ? this.#final(state, message.toString('utf8'))
      : state.step === 'signed' ? this.#empty(state, message)
      : failed('the conversation is already over');
    if (!result.ok) this.#state = { step: 'over' };
    return result;
  }

  #first(message: string): ScramStep | ScramFailure {
    const cbindEnd = message.indexOf(',');
    const headerEnd = message.indexOf(',', cbindEnd + 1);
    if (cbindEnd < 0 || headerEnd < 0) return failed('client-first-message has no GS2 header');
    const cbindFlag = message.slice(0, cbindEnd);
    if (cbindFlag !== 'n' && cbindFlag !== 'y') return failed(`channel binding '${cbindFlag}' is not supported`);
    const authzid = message.slice(cbindEnd + 1, headerEnd);
    if (authzid !== '' && !authzid.startsWith('a=')) return failed('malformed authzid');
    const bare = message.slice(headerEnd + 1);
    if (bare.startsWith('m=')) return failed('SCRAM mandatory extensions are not supported');
    const [userField, nonceField] = bare.split(',').filter((part) => part !== '');
    if (userField === undefined || !userField.startsWith('n=') || userField.length < 3) return failed('missing user name');
    if (nonceField === undefined || !nonceField.startsWith('r=') || nonceField.length < 6) return failed('missing client nonce');
    const username = decodeSaslName(userField.slice(2));
    if (authzid !== '' && decodeSaslName(authzid.slice(2)) !== username) return failed('user name does not match authzid');
    const credential = this.#lookup(username);
    if (credential === undefined) return failed(`no user '${username}'`);
    const nonce = nonceField.slice(2) + this.#serverNonce();
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.#state = {
      step: 'proof',
      credential,
      nonce,
      authMessagePrefix: `${bare},${serverFirst}`,
      channelBinding: Buffer.from(message.slice(0, headerEnd + 1), 'utf8').toString('base64'),
    };
    return { ok: true, payload: Buffer.from(serverFirst, 'utf8'), done: false };
  }

  #final(state: Extract<State, { step: 'proof' }>, message: string): ScramStep | ScramFailure {
    const proofStart = message.lastIndexOf(',');
    if (proofStart < 0) return failed('client-final-message has no proof');
    const withoutProof = message.slice(0, proofStart);
    const proofField = message.slice(proofStart + 1);
    if (!proofField.startsWith('p=') || proofField.length < 3) return failed('malformed client proof');
    const [bindingField, nonceField] = withoutProof.split(',').filter((part) => part !== '');
    if (bindingField !== `c=${state.channelBinding}`) return failed('channel binding does not match the GS2 header');
    // Not a secret: the nonce travels in the clear, only its freshness matters.
    if (nonceField !== `r=${state.nonce}`) return failed('the nonce does not match');
    const authMessage = `${state.authMessagePrefix},${withoutProof}`;
    const proof = Buffer.from(proofField.slice(2), 'base64');
    const clientSignature = hmac(state.credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return failed('the client proof has the wrong length');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
    const storedKey = createHash('sha256').update(clientKey).digest();
    if (!timingSafeEqual(storedKey, state.credential.storedKey)) return failed('wrong password');
    const serverSignature = hmac(state.credential.serverKey, authMessage).toString('base64');
    const username = state.credential.username;
    this.#state = this.#skipEmptyExchange ? { step: 'verified', username } : { step: 'signed', username };
    return { ok: true, payload: Buffer.from(`v=${serverSignature}`, 'utf8'), done: this.#skipEmptyExchange };
  }

  #empty(state: Extract<State, { step: 'signed' }>, message: Buffer): ScramStep | ScramFailure {
    if (message.length !== 0) return failed('expected an empty message after the server signature');
    this.#state = { step: 'verified', username: state.username };
    return { ok: true, payload: Buffer.alloc(0), done: true };
  }
}

/** RFC 5802 §5.1: `=2C` and `=3D` stand for `,` and `=` in a user name. */
function decodeSaslName(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}
