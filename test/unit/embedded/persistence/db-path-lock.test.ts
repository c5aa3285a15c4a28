import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DbPathLock, LOCK_FILE_NAME } from '../../../../src/embedded/persistence/db-path-lock.js';
import { PersistenceError } from '../../../../src/core/errors/persistence-error.js';

function startChild(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('DbPathLock', () => {
  let dir: string;
  let lockFile: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durably-lock-'));
    lockFile = path.join(dir, LOCK_FILE_NAME);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes our PID into the lock file and removes it on release', async () => {
    const lock = await DbPathLock.acquire(dir);
    expect(lock.file).toBe(lockFile);
    expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
    await lock.release();
    await lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('refuses a second lock from the same process', async () => {
    const lock = await DbPathLock.acquire(dir);
    await expect(DbPathLock.acquire(dir)).rejects.toThrow('another engine in this process');
    await lock.release();
    await (await DbPathLock.acquire(dir)).release();
  });

  it('refuses a lock held by another live process', async () => {
    const child = await startChild('setTimeout(() => {}, 5000)');
    try {
      fs.writeFileSync(lockFile, `${child.pid}\n`);
      const attempt = DbPathLock.acquire(dir);
      await expect(attempt).rejects.toBeInstanceOf(PersistenceError);
      await expect(attempt).rejects.toThrow(`process ${child.pid}`);
      expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(child.pid));
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const child = await startChild('');
    await exited(child);
    fs.writeFileSync(lockFile, `${child.pid}\n`);
    const lock = await DbPathLock.acquire(dir);
    expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    fs.writeFileSync(lockFile, 'garbage');
    const lock = await DbPathLock.acquire(dir);
    expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('leaves a lock that another process took over in place on release', async () => {
    const lock = await DbPathLock.acquire(dir);
    fs.writeFileSync(lockFile, '999999999\n');
    await lock.release();
    expect(fs.readFileSync(lockFile, 'utf8')).toBe('999999999\n');
  });
});
