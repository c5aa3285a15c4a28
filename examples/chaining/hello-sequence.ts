import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { WeatherService } from './weather-service.js';

/** The cities Durable Functions' HelloSequence (E1) greets when it gets no input. */
export const DEFAULT_CITIES: readonly string[] = ['Tokyo', 'Seattle', 'London'];

/** An activity: greets one city with today's weather. Its `WeatherService` is injected by tsyringe. */
@Activity()
export class SayHello {
  constructor(private readonly weather: WeatherService) {}

  async run(city: string): Promise<string> {
    const { summary, temperatureC } = await this.weather.forecast(city);
    return `Hello ${city}! ${summary}, ${temperatureC}°C.`;
  }
}

/**
 * Function chaining: greets each city in turn; each call starts after the previous one finished. If the process
 * stops halfway, the orchestration resumes after the last greeting that completed: none is sent twice.
 */
@Orchestrator()
export class HelloSequence {
  async run(ctx: OrchestrationContext<string[] | undefined>): Promise<string[]> {
    const greetings: string[] = [];
    for (const city of ctx.input ?? DEFAULT_CITIES) {
      greetings.push(await ctx.callActivity(SayHello, city));
    }
    return greetings;
  }
}
