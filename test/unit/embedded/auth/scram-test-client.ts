import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

/** The client side of SCRAM-SHA-256 (RFC 5802 / 7677), written from the RFC, to drive the engine's server side. */
export class ScramTestClient {
  readonly #bare: string;
  #authMessage = '';
  #serverKey: Buffer = Buffer.alloc(0);

  constructor(
    readonly username: string,
    readonly password: string,
    readonly clientNonce: string,
  ) {
    this.#bare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${clientNonce}`;
  }

  /** client-first-message. */
  first(): Buffer {
    return Buffer.from(`n,,${this.#bare}`);
  }

  /** client-final-message answering `serverFirst`; `tamper` edits the proof or the nonce. */
  final(serverFirst: Buffer, tamper: { proof?: boolean; nonce?: string } = {}): Buffer {
    const fields = Object.fromEntries(serverFirst.toString().split(',').map((part) => [part[0], part.slice(2)]));
    const salted = pbkdf2Sync(this.password, Buffer.from(fields.s ?? '', 'base64'), Number(fields.i), 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    this.#serverKey = hmac(salted, 'Server Key');
    const withoutProof = `c=biws,r=${tamper.nonce ?? fields.r}`;
    this.#authMessage = `${this.#bare},${serverFirst.toString()},${withoutProof}`;
    const signature = hmac(createHash('sha256').update(clientKey).digest(), this.#authMessage);
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
    if (tamper.proof === true) proof[0] = proof[0]! ^ 1;
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Whether the server's final message carries the signature only the holder of the stored credential can compute. */
  verifies(serverFinal: Buffer): boolean {
    return serverFinal.toString() === `v=${hmac(this.#serverKey, this.#authMessage).toString('base64')}`;
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}
