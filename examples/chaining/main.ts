import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { DEFAULT_CITIES, HelloSequence, SayHello } from './hello-sequence.js';
import { WeatherService } from './weather-service.js';

/** What the chaining example returns. */
export interface ChainingResult {
  readonly instanceId: string;
  readonly runtimeStatus: string;
  /** The orchestration's output: one greeting per city, in order. */
  readonly greetings: string[];
  /** The cities the weather service was asked about, in order (each once). */
  readonly forecastsRequested: string[];
}

/**
 * Function chaining (Durable Functions' HelloSequence): starts `HelloSequence` for `cities`, waits for it, and
 * returns its greetings.
 */
export async function main(options: ExampleOptions = {}, cities: readonly string[] = DEFAULT_CITIES): Promise<ChainingResult> {
  // The app's services, resolved into activities by constructor injection. Register your real ones here.
  const container = rootContainer.createChildContainer();
  const weather = new WeatherService();
  container.registerInstance(WeatherService, weather);

  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'Chaining',
    orchestrators: [HelloSequence],
    activities: [SayHello],
    container,
  });
  try {
    await durably.start();
    const instanceId = await durably.client.startNew(HelloSequence, { input: [...cities] });
    const status = await durably.client.waitForCompletion(instanceId, { timeoutMs: 30_000 });
    return {
      instanceId,
      runtimeStatus: status.runtimeStatus,
      greetings: status.output as string[],
      forecastsRequested: [...weather.requests],
    };
  } finally {
    await durably.stop();
  }
}

runExample(import.meta.url, () => main(), (result) => [
  `HelloSequence ${result.instanceId}: ${result.runtimeStatus}`,
  ...result.greetings.map((greeting) => `  ${greeting}`),
  `Weather requests: ${result.forecastsRequested.join(', ')}`,
].join('\n'));
