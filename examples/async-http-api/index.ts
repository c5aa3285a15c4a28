import type { ExampleModule } from '../shared/example-module.js';
import { PublishSalesReport, QueryRegionSales, SalesReport } from './sales-report.js';
import { ReportStore, SalesDatabase } from './sales-services.js';

/** The async HTTP API, for the example service. */
export const asyncHttpApiExample: ExampleModule = {
  name: 'async-http-api',
  orchestrators: [SalesReport],
  activities: [QueryRegionSales, PublishSalesReport],
  registerServices: (container, log) => {
    // Slower queries in the service, so that a person polling with curl sees it running.
    container.registerInstance(SalesDatabase, new SalesDatabase(2_000, log));
    container.registerInstance(ReportStore, new ReportStore(log));
  },
};
