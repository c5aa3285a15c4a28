// An orchestration whose episodes keep crashing their worker is failed with PoisonEpisode once its claims pass the
// cap — but only after a lease period confirms it: the count also holds claims of live workers whose lease ran out
// under load, until their owed uncount lands, and a busy machine must not fail healthy instances.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { InfrastructureBackoff } from '../../../src/runtime/claimed-lease.js';
import { Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@Orchestrator()
class WaitsForGo {
  async run(ctx: OrchestrationContext): Promise<string> {
    return await ctx.waitForExternalEvent<string>('go');
  }
}

let mongo: TestMongo;
let app: TestApp;

beforeAll(async () => {
  mongo = await startTestMongo();
  app = await startTestApp({ mongo, taskHub: 'Poison', orchestrators: [WaitsForGo], container: container.createChildContainer(), maxEpisodeAttempts: 3, leaseMs: 1_000 });
});

afterAll(async () => {
  await app?.stop();
  await mongo?.stop();
});

describe('InfrastructureBackoff.poisonConfirmed', () => {
  it('confirms poison only a lease period after the instance was first seen over its cap, and forgets it on success', () => {
    const backoff = new InfrastructureBackoff();
    expect(backoff.poisonConfirmed('a', 1_000, 500)).toBe(false);
    expect(backoff.poisonConfirmed('a', 1_499, 500)).toBe(false);
    expect(backoff.poisonConfirmed('b', 1_499, 500)).toBe(false);
    expect(backoff.poisonConfirmed('a', 1_500, 500)).toBe(true);
    backoff.succeeded('a');
    expect(backoff.poisonConfirmed('a', 9_000, 500)).toBe(false);
  });
});

describe('runtime: poison episodes', () => {
  it('fails an instance claimed past the cap with PoisonEpisode, after a lease period, without running it', async () => {
    const client = app.durably.client;
    await client.startNew(WaitsForGo, { instanceId: 'crashes-workers' });
    const raw = await MongoClient.connect(mongo.uri);
    try {
      const instances = raw.db(mongo.dbName).collection<{ _id: string }>('Poison.instances');
      const deadline = Date.now() + 30_000;
      // Once its first episode is committed and its worker let it go.
      while ((await client.getStatus('crashes-workers'))?.runtimeStatus !== 'Running' || await instances.countDocuments({ _id: 'crashes-workers', lease: { $exists: true } }) > 0) {
        if (Date.now() > deadline) throw new Error('the first episode never ran');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // As three workers that claimed it and died would leave it: three claims counted, never released.
      await instances.updateOne({ _id: 'crashes-workers' }, { $set: { claimAttempts: 3 } });
      await client.raiseEvent('crashes-workers', 'go', 'ran');
      const status = await client.waitForCompletion('crashes-workers', { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ errorType: 'PoisonEpisode', isNonRetriable: true });
      // Not run: the event was never applied.
      expect((await client.getHistory('crashes-workers')).some((event) => event.type === 'EventRaised')).toBe(false);
    } finally {
      await raw.close();
    }
  });

  it('runs an instance whose count fell back under the cap while it waited (the owed uncounts landed)', async () => {
    const client = app.durably.client;
    await client.startNew(WaitsForGo, { instanceId: 'starved-worker' });
    const raw = await MongoClient.connect(mongo.uri);
    try {
      const instances = raw.db(mongo.dbName).collection<{ _id: string }>('Poison.instances');
      const deadline = Date.now() + 30_000;
      // Once its first episode is committed and its worker let it go.
      while ((await client.getStatus('starved-worker'))?.runtimeStatus !== 'Running' || await instances.countDocuments({ _id: 'starved-worker', lease: { $exists: true } }) > 0) {
        if (Date.now() > deadline) throw new Error('the first episode never ran');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await instances.updateOne({ _id: 'starved-worker' }, { $set: { claimAttempts: 3 } });
      await client.raiseEvent('starved-worker', 'go', 'ran');
      // The claim over the cap gives the instance back; meanwhile the live workers' owed uncounts land.
      const givenBack = async (): Promise<boolean> => (await instances.countDocuments({
        _id: 'starved-worker', claimAttempts: 3, lease: { $exists: false }, 'work.pending': true, 'work.availableAt': { $gt: new Date() },
      })) === 1;
      while (!(await givenBack())) {
        if (Date.now() > deadline) throw new Error('the claim over the cap was never given back');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await instances.updateOne({ _id: 'starved-worker' }, { $set: { claimAttempts: 0 } });
      const status = await client.waitForCompletion('starved-worker', { timeoutMs: 30_000 });
      expect({ status: status.runtimeStatus, output: status.output }).toEqual({ status: 'Completed', output: 'ran' });
    } finally {
      await raw.close();
    }
  });
});
