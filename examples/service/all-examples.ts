import { aggregatorExample } from '../aggregator/index.js';
import { asyncHttpApiExample } from '../async-http-api/index.js';
import { chainingExample } from '../chaining/index.js';
import { fanOutFanInExample } from '../fan-out-fan-in/index.js';
import { humanInteractionExample } from '../human-interaction/index.js';
import { monitorExample } from '../monitor/index.js';
import { scaleOutExample } from '../scale-out/index.js';
import type { ExampleModule } from '../shared/example-module.js';

/** Every example, as registered by the example service (`npm start`). */
export const ALL_EXAMPLES: readonly ExampleModule[] = [
  chainingExample,
  fanOutFanInExample,
  asyncHttpApiExample,
  monitorExample,
  humanInteractionExample,
  aggregatorExample,
  scaleOutExample,
];
