/**
 * The DBOS worker process of the cross-process shape: DBOS launched on `BENCH_DATABASE_URL`, serving the bench queue
 * (polled every 250 ms, Durably's default poll interval). Forked by dbos-shapes.ts.
 *
 * @module
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { APP_NAME, QUEUE_NAME } from './dbos-workload.js';
import { serveWorker } from './worker-process.js';

const url = process.env.BENCH_DATABASE_URL;
if (url === undefined) throw new Error('BENCH_DATABASE_URL must be set');
DBOS.setConfig({ name: APP_NAME, systemDatabaseUrl: url, logLevel: 'error' });
await DBOS.launch();
await DBOS.registerQueue(QUEUE_NAME, { minPollingIntervalMs: 250 });
serveWorker(() => DBOS.shutdown());
