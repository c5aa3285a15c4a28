import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { EmbeddedEngineError } from '../../core/errors/embedded-engine-error.js';
import { saslPrep } from './sasl-prep.js';

const pbkdf2Async = promisify(pbkdf2);

/** mongod's default `scramSHA256IterationCount`. */
export const SCRAM_SHA256_ITERATIONS = 15_000;

/** The database the engine's one user is defined in (its authentication database), as for mongod's administrators. */
export const AUTH_DATABASE = 'admin';

/**
 * What the server keeps of a password for SCRAM-SHA-256 (RFC 5802 §3, RFC 7677): the salt and iteration count sent
 * to clients, and the two keys derived from the salted password. The password itself is not kept, and proving a
 * client's proof costs two HMACs and a hash — the PBKDF2 is paid once, here, not per connection.
 */
export interface ScramCredential {
  readonly username: string;
  readonly salt: Buffer;
  readonly iterations: number;
  /** H(ClientKey): a client proof is checked against it. */
  readonly storedKey: Buffer;
  /** HMAC(SaltedPassword, "Server Key"): signs the server's final message. */
  readonly serverKey: Buffer;
}

/**
 * Derives the stored SCRAM-SHA-256 credential of `username` / `password` with a fresh random salt.
 *
 * @param options - PBKDF2 `iterations` (default 15,000, mongod's) and `salt` (default 28 random bytes, as mongod's);
 *   fixed values are for test vectors.
 * @throws EmbeddedEngineError for a username or password no driver could present.
 */
export async function deriveScramCredential(
  username: string,
  password: string,
  options: { readonly iterations?: number; readonly salt?: Buffer } = {},
): Promise<ScramCredential> {
  if (typeof username !== 'string' || username.length === 0 || [...username].some((char) => char < ' ' || char === '\u007f')) {
    throw new EmbeddedEngineError('auth.username must be a non-empty string without control characters');
  }
  const prepared = typeof password === 'string' ? saslPrep(password) : undefined;
  if (prepared === undefined || prepared.length === 0) {
    throw new EmbeddedEngineError('auth.password must be a non-empty string without control or other prohibited characters (RFC 4013)');
  }
  const salt = options.salt ?? randomBytes(28);
  const iterations = options.iterations ?? SCRAM_SHA256_ITERATIONS;
  const saltedPassword = await pbkdf2Async(Buffer.from(prepared, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(saltedPassword, 'Client Key');
  return {
    username,
    salt,
    iterations,
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: hmac(saltedPassword, 'Server Key'),
  };
}

/** HMAC-SHA-256. */
export function hmac(key: Buffer, text: string | Buffer): Buffer {
  return createHmac('sha256', key).update(text).digest();
}
