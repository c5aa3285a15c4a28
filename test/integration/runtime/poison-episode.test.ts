// An orchestration whose episodes keep crashing their worker is failed with PoisonEpisode once its claims pass the
// cap — but only after a lease period confirms it: the count also holds claims of live workers whose lease ran out
// under load, until their owed uncount lands, and a busy machine must not fail healthy instances.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Collection } from 'mongodb';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { InfrastructureBackoff } from '../../../src/runtime/claimed-lease.js';
import { Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

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

/**
 * Starts a WaitsForGo instance, waits until its first episode is committed and its worker let it go, then sets its
 * claim count to the cap (as three workers that claimed it and died would leave it) and raises its event: the next
 * claim is over the cap. Returns the instances collection for further looks.
 */
async function overTheCap(instanceId: string, raw: MongoClient): Promise<Collection<{ _id: string }>> {
  const client = app.durably.client;
  const instances = raw.db(mongo.dbName).collection<{ _id: string }>('Poison.instances');
  await client.startNew(WaitsForGo, { instanceId });
  await until('the first episode', async () => (await client.getStatus(instanceId))?.runtimeStatus === 'Running'
    && await instances.countDocuments({ _id: instanceId, lease: { $exists: true } }) === 0, 30_000);
  await instances.updateOne({ _id: instanceId }, { $set: { claimAttempts: 3 } });
  await client.raiseEvent(instanceId, 'go', 'ran');
  return instances;
}

describe('runtime: poison episodes', () => {
  it('fails an instance claimed past the cap with PoisonEpisode, after a lease period, without running it', async () => {
    const raw = await MongoClient.connect(mongo.uri);
    try {
      await overTheCap('crashes-workers', raw);
      const status = await app.durably.client.waitForCompletion('crashes-workers', { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ errorType: 'PoisonEpisode', isNonRetriable: true });
      // Not run: the event was never applied.
      expect((await app.durably.client.getHistory('crashes-workers')).some((event) => event.type === 'EventRaised')).toBe(false);
    } finally {
      await raw.close();
    }
  });

  it('runs an instance whose count fell back under the cap while it waited (the owed uncounts landed)', async () => {
    const raw = await MongoClient.connect(mongo.uri);
    try {
      const instances = await overTheCap('starved-worker', raw);
      // The claim over the cap gives the instance back, uncounted and unrun, for a lease period.
      await until('the give-back of the claim over the cap', async () => await instances.countDocuments({
        _id: 'starved-worker', claimAttempts: 3, lease: { $exists: false }, 'work.pending': true, 'work.availableAt': { $gt: new Date() },
      }) === 1, 30_000);
      // Meanwhile the live workers' owed uncounts land.
      await instances.updateOne({ _id: 'starved-worker' }, { $set: { claimAttempts: 0 } });
      const status = await app.durably.client.waitForCompletion('starved-worker', { timeoutMs: 30_000 });
      expect({ status: status.runtimeStatus, output: status.output }).toEqual({ status: 'Completed', output: 'ran' });
    } finally {
      await raw.close();
    }
  });
});
