import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { ImageResizer, ProcessUpload, ResizeImage } from './process-upload.js';

/**
 * One worker process of the scale-out example: `node dist/examples/scale-out/worker.js`. Every worker started on the
 * same MongoDB and task hub shares the work. Environment: `MONGODB_URI` (required: workers must share a database),
 * `DURABLY_DB` and `DURABLY_TASK_HUB` (optional). Prints `{"event":"ready","pid":N}` once it works; stops cleanly on
 * SIGTERM or SIGINT.
 */
async function startWorker(): Promise<void> {
  const mongoUri = process.env.MONGODB_URI;
  if (mongoUri === undefined || mongoUri === '') throw new Error('MONGODB_URI must be set: every worker connects to the same MongoDB');
  const container = rootContainer.createChildContainer();
  container.registerInstance(ImageResizer, new ImageResizer());

  const durably = await Durably.create({
    mongoUri,
    ...(process.env.DURABLY_DB === undefined ? {} : { dbName: process.env.DURABLY_DB }),
    taskHub: process.env.DURABLY_TASK_HUB ?? 'ScaleOut',
    orchestrators: [ProcessUpload],
    activities: [ResizeImage],
    container,
    // Look for work created by other processes often: the demo is short.
    pollIntervalMs: 100,
  });
  await durably.start();
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);

  const stop = (): void => {
    // Running work is drained; the process then exits on its own.
    durably.stop().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

startWorker().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
