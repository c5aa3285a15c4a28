import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main, SENSOR_EVENTS } from '../../examples/aggregator/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/aggregator', () => {
  it('adds up the signals of both counter styles; the orchestration and the client read the same values', async () => {
    const result = await main(env.options);
    const expected = { 'Counter/door-opened': 4, 'Counter/motion': 8, 'FunctionCounter/myCounter': 3 };
    expect(result.report).toEqual(Object.entries(expected).map(([metric, value]) => ({ metric, value })));
    expect(result.states).toEqual(expected);
    expect(env.errors).toEqual([]);
  });

  it('keeps the counts: a second run on the same database adds to them', async () => {
    const result = await main(env.options, SENSOR_EVENTS.slice(0, 2));
    // The first test's 4 + 1 door opening, 8 + 3 motions, and 3 + 3 for myCounter.
    expect(result.states).toEqual({ 'Counter/door-opened': 5, 'Counter/motion': 11, 'FunctionCounter/myCounter': 6 });
  });
});
