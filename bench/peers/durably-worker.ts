/**
 * The Durably worker process of the cross-process shape: a started app (default tuning) on the engine at `BENCH_URI`,
 * with the same workload classes as the side's client-only app. Forked by durably-side.ts.
 *
 * @module
 */
import { createApp } from './durably-host.js';
import { serveWorker } from './worker-process.js';

const uri = process.env.BENCH_URI;
if (uri === undefined) throw new Error('BENCH_URI must be set');
const durably = await createApp(uri);
serveWorker(() => durably.stop());
