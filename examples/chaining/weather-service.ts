import { networkDelay } from '../shared/network-delay.js';

/** One city's weather, as a weather API would report it. */
export interface Forecast {
  readonly city: string;
  readonly summary: string;
  readonly temperatureC: number;
}

const FORECASTS: Readonly<Record<string, Omit<Forecast, 'city'>>> = {
  tokyo: { summary: 'sunny', temperatureC: 24 },
  seattle: { summary: 'light rain', temperatureC: 13 },
  london: { summary: 'overcast', temperatureC: 16 },
};

/**
 * The weather API the greetings use. This in-memory stand-in answers from a fixed table (no network); in a real app,
 * register your API client under this class: `container.registerInstance(WeatherService, new MyWeatherClient())`.
 */
export class WeatherService {
  /** The cities asked for, in order. */
  readonly requests: string[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Today's forecast for `city` (mild and cloudy for cities it does not know). */
  async forecast(city: string): Promise<Forecast> {
    this.requests.push(city);
    this.log(`[weather] forecast for ${city}`);
    await networkDelay();
    return { city, ...(FORECASTS[city.toLowerCase()] ?? { summary: 'cloudy', temperatureC: 18 }) };
  }
}
