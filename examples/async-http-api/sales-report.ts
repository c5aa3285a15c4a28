import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { ReportStore, SalesDatabase } from './sales-services.js';

/** What the report covers. */
export interface SalesReportRequest {
  readonly quarter: string;
  readonly regions: readonly string[];
}

/** The orchestration's output. */
export interface SalesReportResult {
  readonly quarter: string;
  readonly totals: Readonly<Record<string, number>>;
  readonly grandTotal: number;
  readonly url: string;
}

/** The report's progress, published as the instance's custom status while it runs. */
export interface SalesReportProgress {
  readonly phase: 'querying' | 'publishing' | 'done';
  readonly regionsDone: number;
  readonly regions: number;
}

/** The request used when the orchestration gets no input. */
export const DEFAULT_REQUEST: SalesReportRequest = { quarter: '2024-Q2', regions: ['EMEA', 'Americas', 'APAC'] };

/** Queries one region's sales: a slow call, the reason this is an asynchronous API. */
@Activity()
export class QueryRegionSales {
  constructor(private readonly db: SalesDatabase) {}

  run(input: { region: string; quarter: string }): Promise<number> {
    return this.db.totalSales(input.region, input.quarter);
  }
}

/** Renders and publishes the report; returns its URL. */
@Activity()
export class PublishSalesReport {
  constructor(private readonly store: ReportStore) {}

  run(input: { quarter: string; totals: Record<string, number> }): Promise<string> {
    const lines = Object.entries(input.totals).map(([region, total]) => `${region}: €${total.toLocaleString('en-US')}`);
    return this.store.publish(`sales-${input.quarter}.txt`, [`Sales ${input.quarter}`, ...lines].join('\n'));
  }
}

/**
 * A long-running job behind an asynchronous HTTP API: clients start it with a POST, get `202 Accepted` and a status
 * URL, and poll that URL (seeing the progress in `customStatus`) until it answers `200` with the output.
 */
@Orchestrator()
export class SalesReport {
  async run(ctx: OrchestrationContext<SalesReportRequest | undefined>): Promise<SalesReportResult> {
    const { quarter, regions } = ctx.input ?? DEFAULT_REQUEST;
    const totals: Record<string, number> = {};
    for (const [done, region] of regions.entries()) {
      ctx.setCustomStatus({ phase: 'querying', regionsDone: done, regions: regions.length } satisfies SalesReportProgress);
      totals[region] = await ctx.callActivity(QueryRegionSales, { region, quarter });
    }
    ctx.setCustomStatus({ phase: 'publishing', regionsDone: regions.length, regions: regions.length } satisfies SalesReportProgress);
    const url = await ctx.callActivity(PublishSalesReport, { quarter, totals });
    ctx.setCustomStatus({ phase: 'done', regionsDone: regions.length, regions: regions.length } satisfies SalesReportProgress);
    const grandTotal = Object.values(totals).reduce((sum, total) => sum + total, 0);
    return { quarter, totals, grandTotal, url };
  }
}
