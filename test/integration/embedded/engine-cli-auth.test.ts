// durably-mongo with a password: from the environment or a file, never printed; beyond loopback only with one.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { ENGINE_CLI } from '../../support/engine-process.js';

const PASSWORD = 's3cret-from-the-environment';
const dir = mkdtempSync(path.join(tmpdir(), 'durably-cli-auth-'));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI and resolves with what it printed once it is listening (its banner printed whole), or has exited. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ output: string; code: number | null; child: ChildProcess }> {
  const child = spawn(process.execPath, [ENGINE_CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve) => {
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const check = (): void => {
      const banner = /listening on .*\n/.test(output) && (!output.includes('required)') || output.includes('asks for the password)\n'));
      if (banner) {
        clearTimeout(timer);
        resolve({ output, code: null, child });
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      check();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ output, code, child });
    });
  });
}

const portOf = (output: string): number => Number(/127\.0\.0\.1:(\d+)\//.exec(output)?.[1]);

describe('durably-mongo with authentication', () => {
  it('takes the password from DURABLY_MONGO_PASSWORD, never prints it, and requires it', async () => {
    const { output, child } = await runCli(['--port', '0', '--username', 'ops'], { DURABLY_MONGO_PASSWORD: PASSWORD });
    expect(output).not.toContain(PASSWORD);
    expect(output).toMatch(/^durably-mongo listening on mongodb:\/\/ops:\*\*\*\*@127\.0\.0\.1:\d+\/ \(memory only; user 'ops' in 'admin' required\)\n/);
    expect(output).toMatch(/connect: mongosh "mongodb:\/\/127\.0\.0\.1:\d+\/" --username ops --authenticationDatabase admin/);
    const port = portOf(output);
    const anonymous = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 10_000 });
    const owner = new MongoClient(`mongodb://ops:${PASSWORD}@127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 10_000 });
    try {
      const refused = await anonymous.db('app').collection('x').insertOne({ a: 1 }).then(() => undefined, (e: unknown) => e);
      expect((refused as MongoServerError).code).toBe(13);
      await owner.db('app').collection('x').insertOne({ a: 1 });
      expect(await owner.db('app').collection('x').countDocuments()).toBe(1);
    } finally {
      await anonymous.close();
      await owner.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('reads the password from the first line of --password-file; the user defaults to durably', async () => {
    const file = path.join(dir, 'password');
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const { output, child } = await runCli(['--port', '0', '--password-file', file], { DURABLY_MONGO_PASSWORD: '', DURABLY_MONGO_USERNAME: '' });
    const client = new MongoClient(`mongodb://durably:${PASSWORD}@127.0.0.1:${portOf(output)}/`, { serverSelectionTimeoutMS: 10_000 });
    try {
      expect(await client.db('app').command({ connectionStatus: 1 })).toMatchObject({ authInfo: { authenticatedUsers: [{ user: 'durably', db: 'admin' }] } });
    } finally {
      await client.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('refuses to listen beyond loopback without a password', async () => {
    const { output, code } = await runCli(['--port', '0', '--host', '0.0.0.0'], { DURABLY_MONGO_PASSWORD: '', DURABLY_MONGO_USERNAME: '' });
    expect(code).toBe(1);
    expect(output).toMatch(/refusing to listen on '0\.0\.0\.0' without authentication/);
  });

  it('refuses a user name without a password (exit 2, usage)', async () => {
    const { output, code } = await runCli(['--port', '0', '--username', 'ops'], { DURABLY_MONGO_PASSWORD: '', DURABLY_MONGO_USERNAME: '' });
    expect(code).toBe(2);
    expect(output).toMatch(/without a password/);
    expect(output).toMatch(/usage: durably-mongo/);
  });
});
