import type { ExampleModule } from '../shared/example-module.js';
import { HelloSequence, SayHello } from './hello-sequence.js';
import { WeatherService } from './weather-service.js';

/** Function chaining, for the example service. */
export const chainingExample: ExampleModule = {
  name: 'chaining',
  orchestrators: [HelloSequence],
  activities: [SayHello],
  registerServices: (container, log) => container.registerInstance(WeatherService, new WeatherService(log)),
};
