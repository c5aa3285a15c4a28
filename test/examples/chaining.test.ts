import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/chaining/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/chaining', () => {
  it('greets the cities in order, each with its forecast, asking the weather service once per city', async () => {
    const result = await main(env.options);
    expect(result.runtimeStatus).toBe('Completed');
    expect(result.greetings).toEqual(['Hello Tokyo! sunny, 24°C.', 'Hello Seattle! light rain, 13°C.', 'Hello London! overcast, 16°C.']);
    expect(result.forecastsRequested).toEqual(['Tokyo', 'Seattle', 'London']);
    expect(env.errors).toEqual([]);
  });

  it('greets the cities it is given', async () => {
    const result = await main(env.options, ['Amsterdam', 'Lagos']);
    expect(result.greetings).toEqual(['Hello Amsterdam! cloudy, 18°C.', 'Hello Lagos! cloudy, 18°C.']);
  });
});
