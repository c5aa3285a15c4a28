import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PersistenceError } from '../../core/errors/persistence-error.js';

/** The name of the lock file created inside a `dbPath`. */
export const LOCK_FILE_NAME = 'durably-mongo.lock';

/** Filesystems without hard links (some network and FAT mounts) answer `link` with one of these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** A stale lock removed by us may be re-taken by a racing process; give up after this many rounds. */
const MAX_ATTEMPTS = 5;

/**
 * Exclusive ownership of a `dbPath` by one engine: a `durably-mongo.lock` file holding the owner's PID.
 *
 * A lock left behind by a process that no longer exists (crash, `kill -9`) is taken over; a lock held by a
 * live process (including this one) is refused.
 */
export class DbPathLock {
  readonly #file: string;
  #released = false;

  private constructor(file: string) {
    this.#file = file;
  }

  /** The absolute path of the lock file. */
  get file(): string {
    return this.#file;
  }

  /**
   * Takes the lock of `dbPath` (which must exist).
   *
   * @throws PersistenceError when another live process holds it, or the lock file cannot be written.
   */
  static async acquire(dbPath: string): Promise<DbPathLock> {
    const file = path.join(path.resolve(dbPath), LOCK_FILE_NAME);
    const content = `${process.pid}\n`;
    // The PID is written to a private file first and hard-linked into place: `link` fails atomically when the
    // lock exists, so no other process can ever read a half-written (empty) lock file and mistake it for stale.
    const staging = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(staging, content);
    } catch (cause) {
      throw new PersistenceError(`cannot create the lock file in ${dbPath}: ${describe(cause)}`, { cause });
    }
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (await tryCreate(staging, file, content)) return new DbPathLock(file);
        const holder = await readHolder(file);
        if (holder === 'missing') continue;
        if (holder !== 'unreadable' && isAlive(holder)) {
          const who = holder === process.pid ? 'another engine in this process' : `process ${holder}`;
          throw new PersistenceError(
            `dbPath ${dbPath} is in use by ${who} (lock file ${file}). ` +
              'Stop that engine, or delete the lock file if that process is not a durably engine.',
          );
        }
        // The holder is dead (or the file is garbage): the lock is stale and ours to take.
        await rm(file, { force: true });
      }
      throw new PersistenceError(`could not acquire ${file}: other processes keep taking it`);
    } finally {
      await rm(staging, { force: true });
    }
  }

  /** Removes the lock file if it is still ours. Safe to call twice. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    // Never delete a lock that another process took over (e.g. after ours was removed by hand).
    if ((await readHolder(this.#file)) !== process.pid) return;
    await rm(this.#file, { force: true });
  }
}

/** Creates `file` with `content` unless it exists; `false` when it exists. */
async function tryCreate(staging: string, file: string, content: string): Promise<boolean> {
  try {
    await link(staging, file);
    return true;
  } catch (cause) {
    const code = errorCode(cause);
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) {
      throw new PersistenceError(`cannot create the lock file ${file}: ${describe(cause)}`, { cause });
    }
  }
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (cause) {
    if (errorCode(cause) === 'EEXIST') return false;
    throw new PersistenceError(`cannot create the lock file ${file}: ${describe(cause)}`, { cause });
  }
}

async function readHolder(file: string): Promise<number | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return 'missing';
    throw new PersistenceError(`cannot read the lock file ${file}: ${describe(cause)}`, { cause });
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 'unreadable';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
