import { CommandError } from '../../core/errors/command-error.js';

const INVALID_DB_CHARS = /[/\\. "$*<>:|?\0]/;

/** Throws MongoDB's InvalidNamespace error unless `db` is a legal database name. */
export function assertDatabaseName(db: string): void {
  if (db.length === 0 || db.length > 63 || INVALID_DB_CHARS.test(db)) {
    throw new CommandError('InvalidNamespace', `Invalid database name: '${db}'`);
  }
}

/** Throws MongoDB's InvalidNamespace error unless `name` is a legal collection name in `db`. */
export function assertCollectionName(db: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  if (name.length === 0 || name.includes('$') || name.includes('\0') || name.startsWith('.') || name.endsWith('.')) {
    throw new CommandError('InvalidNamespace', `Invalid namespace specified '${db}.${name}'`);
  }
  if (name.startsWith('system.')) {
    throw new CommandError('InvalidNamespace', `Invalid system namespace: ${db}.${name}`);
  }
  if (Buffer.byteLength(db) + 1 + Buffer.byteLength(name) > 255) {
    throw new CommandError('InvalidNamespace', `Fully qualified namespace is too long: ${db}.${name}`);
  }
}
