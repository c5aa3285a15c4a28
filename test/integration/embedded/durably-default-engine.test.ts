// Durably.create without mongoUri / MONGODB_URI starts the embedded engine in-process with a generated credential:
// the app works, another local client without it is refused, and the password is never logged.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, MongoServerError } from 'mongodb';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { Durably } from '../../../src/app/durably.js';

@Activity()
class Double {
  run(n: number): number {
    return n * 2;
  }
}

@Orchestrator()
class DoubleTwice {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return ctx.callActivity(Double, await ctx.callActivity(Double, ctx.input));
  }
}

const logged: string[] = [];
let durably: Durably;
const savedUri = process.env.MONGODB_URI;

beforeAll(async () => {
  delete process.env.MONGODB_URI; // the default: the embedded engine
  durably = await Durably.create({
    orchestrators: [DoubleTwice],
    activities: [Double],
    container: container.createChildContainer(),
    pollIntervalMs: 50,
    logger: (level, message, ...args) => logged.push(`${level}: ${[message, ...args.map(String)].join(' ')}`),
  });
  await durably.start();
});

afterAll(async () => {
  await durably?.stop();
  if (savedUri !== undefined) process.env.MONGODB_URI = savedUri;
});

/** The engine's address, from the line Durably logs when it starts it. */
function engineLine(): { line: string; port: number } {
  const line = logged.find((entry) => entry.includes('using the embedded engine at'));
  const port = /@127\.0\.0\.1:(\d+)\//.exec(line ?? '')?.[1];
  if (line === undefined || port === undefined) throw new Error(`no engine line in:\n${logged.join('\n')}`);
  return { line, port: Number(port) };
}

describe('the embedded engine Durably starts by default', () => {
  it('runs orchestrations through its authenticated connections', async () => {
    const id = await durably.client.startNew(DoubleTwice, { input: 5 });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(20);
  });

  it('logs its address with the password masked', () => {
    const { line } = engineLine();
    expect(line).toMatch(/^info: no mongoUri or MONGODB_URI: using the embedded engine at mongodb:\/\/durably:\*\*\*\*@127\.0\.0\.1:\d+\/ /);
  });

  it('refuses a client without the generated credential (Unauthorized, 13)', async () => {
    const stranger = new MongoClient(`mongodb://127.0.0.1:${engineLine().port}/`, { serverSelectionTimeoutMS: 10_000 });
    try {
      const error = await stranger.db('admin').command({ listDatabases: 1 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).code).toBe(13);
      const guess = new MongoClient(`mongodb://durably:guess@127.0.0.1:${engineLine().port}/`, { serverSelectionTimeoutMS: 10_000 });
      const refused = await guess.db('admin').command({ ping: 1 }).then(() => undefined, (e: unknown) => e);
      await guess.close();
      expect((refused as MongoServerError).code).toBe(18);
    } finally {
      await stranger.close();
    }
  });
});
