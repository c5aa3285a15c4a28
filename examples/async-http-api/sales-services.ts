import { networkDelay } from '../shared/network-delay.js';

/** Sales per region and quarter, in euros. */
const SALES: Readonly<Record<string, number>> = {
  'emea/2024-Q2': 1_250_000,
  'americas/2024-Q2': 2_100_000,
  'apac/2024-Q2': 870_000,
};

/**
 * The sales database the report reads. In-memory stand-in whose queries take a while, as the report queries of a real
 * warehouse do; register your real data access under this class.
 */
export class SalesDatabase {
  constructor(private readonly queryMs = 300, private readonly log: (line: string) => void = () => undefined) {}

  /** Total sales of `region` in `quarter` (0 when there were none). */
  async totalSales(region: string, quarter: string): Promise<number> {
    this.log(`[sales-db] querying ${region} ${quarter}`);
    await networkDelay(this.queryMs);
    return SALES[`${region.toLowerCase()}/${quarter}`] ?? 0;
  }
}

/** Where finished reports are published. In-memory stand-in: keeps them in a map. */
export class ReportStore {
  readonly reports = new Map<string, string>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Stores `content` and returns the report's URL. */
  async publish(name: string, content: string): Promise<string> {
    await networkDelay();
    this.reports.set(name, content);
    const url = `https://reports.example.com/${encodeURIComponent(name)}`;
    this.log(`[report-store] published ${url}`);
    return url;
  }
}
