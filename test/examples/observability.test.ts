import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/observability/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/observability', () => {
  it('draws the chaining example as one tree: request → create → orchestration → three activities', async () => {
    const result = await main(env.options);
    const shape = result.tree.split('\n').map((line) => line.replace(/ \(\d+\.\d ms\)/, ''));
    expect(shape).toEqual([
      'checkout request',
      '└─ create_orchestration:HelloSequence',
      '   └─ orchestration:HelloSequence Completed',
      '      ├─ activity:SayHello',
      '      ├─ activity:SayHello',
      '      └─ activity:SayHello',
    ]);
    expect(result.activityDurations).toEqual({ SayHello: 3 });
    expect(env.errors).toEqual([]);
  });
});
