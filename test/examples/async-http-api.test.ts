import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/async-http-api/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/async-http-api', () => {
  it('starts with a POST (202 + Location), and polls the status URL: 202 while it runs, then 200 with the output', async () => {
    const { start, polls, output } = await main(env.options);
    expect(start.httpStatus).toBe(202);
    expect(start.location).toBe(start.payload.statusQueryGetUri);
    expect(start.payload.statusQueryGetUri).toMatch(new RegExp(`/runtime/webhooks/durabletask/instances/${start.payload.id}\\?taskHub=AsyncHttpApi&connection=Storage$`));

    const last = polls.at(-1);
    expect(last).toMatchObject({ httpStatus: 200, runtimeStatus: 'Completed', customStatus: { phase: 'done', regionsDone: 3, regions: 3 } });
    const earlier = polls.slice(0, -1);
    expect(earlier.length).toBeGreaterThan(0); // three 300 ms queries: the first poll comes long before the end
    for (const poll of earlier) {
      expect(poll.httpStatus).toBe(202);
      expect(['Pending', 'Running']).toContain(poll.runtimeStatus);
    }
    // Progress only moves forward.
    const done = earlier.map((poll) => (poll.customStatus as { regionsDone?: number } | null)?.regionsDone ?? 0);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    expect(output).toEqual({
      quarter: '2024-Q2',
      totals: { EMEA: 1_250_000, Americas: 2_100_000, APAC: 870_000 },
      grandTotal: 4_220_000,
      url: 'https://reports.example.com/sales-2024-Q2.txt',
    });
    expect(env.errors).toEqual([]);
  });
});
