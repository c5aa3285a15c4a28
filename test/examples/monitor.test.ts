import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/monitor/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/monitor', () => {
  it('ends one monitor when its job completes (with an alert), and the other when it expires', async () => {
    const result = await main(env.options, { pollingIntervalMs: 200, expiresAfterMs: 1_500 });
    expect(result.finished).toEqual({ jobId: 'nightly-export', outcome: 'Completed', checks: 3 });
    expect(result.stuck).toMatchObject({ jobId: 'stuck-import', outcome: 'Expired' });
    // At least the first check and one after a timer; never more than the expiry allows (one per interval, plus the first).
    expect(result.stuck.checks).toBeGreaterThanOrEqual(2);
    expect(result.stuck.checks).toBeLessThanOrEqual(1 + 1_500 / 200);
    expect(result.pages).toEqual(['Job nightly-export completed']);
    expect(env.errors).toEqual([]);
  });
});
