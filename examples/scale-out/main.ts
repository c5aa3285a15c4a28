import 'reflect-metadata';
import { Durably } from '../../src/index.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { ProcessUpload, ResizeImage, type Thumbnail } from './process-upload.js';
import { defaultWorkerScript, startWorkerProcess, type WorkerProcess } from './worker-processes.js';

/** Options of the scale-out example. */
export interface ScaleOutOptions extends ExampleOptions {
  /** How many uploads to process. Default 20. */
  readonly instances?: number;
  /** The compiled worker script. Default: dist/examples/scale-out/worker.js. */
  readonly workerScript?: string;
}

/** What the scale-out example returns. */
export interface ScaleOutResult {
  readonly instances: number;
  readonly completed: number;
  /** Each worker process, and how many activities it ran. */
  readonly workers: { readonly pid: number; readonly activities: number }[];
  /** How each worker exited after SIGTERM (0: it stopped cleanly). */
  readonly exitCodes: (number | null)[];
}

const TASK_HUB = 'ScaleOut';

/**
 * Scale-out: one MongoDB (the embedded engine over TCP, or `MONGODB_URI`), two worker processes running
 * `worker.js`, and this process as a client only (it never calls `start()`): it starts `instances` orchestrations,
 * waits for them, and counts the activities each worker ran.
 */
export async function main(options: ScaleOutOptions = {}): Promise<ScaleOutResult> {
  const instances = options.instances ?? 20;
  let engine: EmbeddedMongo | undefined;
  let mongoUri = options.mongoUri ?? process.env.MONGODB_URI;
  if (mongoUri === undefined || mongoUri === '') {
    // Other processes must reach it, so it listens on a TCP port (127.0.0.1), with a credential generated for this
    // run that the workers get in their connection string.
    engine = await startEmbeddedMongo({ port: 0, auth: 'generate' });
    mongoUri = engine.uri;
  }
  const dbName = options.dbName;
  const workers: WorkerProcess[] = [];
  let client: Durably | undefined;
  try {
    const env = { MONGODB_URI: mongoUri, DURABLY_TASK_HUB: TASK_HUB, ...(dbName === undefined ? {} : { DURABLY_DB: dbName }) };
    const script = options.workerScript ?? defaultWorkerScript();
    for (const n of [1, 2]) workers.push(startWorkerProcess(script, `worker ${n}`, env));
    await Promise.all(workers.map((worker) => worker.ready));

    // A client-only app: it registers the classes (to start them by class) but runs nothing.
    client = await Durably.create({
      ...connectionOptions({ ...options, mongoUri }),
      taskHub: TASK_HUB,
      orchestrators: [ProcessUpload],
      activities: [ResizeImage],
    });
    const starter = client.client;
    const ids = await Promise.all(Array.from({ length: instances }, (_, i) => starter.startNew(ProcessUpload, { input: `photo-${i + 1}.jpg` })));
    const perWorker = new Map<number, number>(workers.map((worker) => [worker.pid, 0]));
    let completed = 0;
    for (const id of ids) {
      const status = await starter.waitForCompletion(id, { timeoutMs: 60_000 });
      if (status.runtimeStatus !== 'Completed') throw new Error(`${id} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
      completed++;
      for (const thumbnail of status.output as Thumbnail[]) perWorker.set(thumbnail.workerPid, (perWorker.get(thumbnail.workerPid) ?? 0) + 1);
    }
    await client.stop();
    const exitCodes = await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    return { instances, completed, workers: [...perWorker].map(([pid, activities]) => ({ pid, activities })), exitCodes };
  } finally {
    await client?.stop();
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await engine?.stop();
  }
}

runExample(import.meta.url, () => main(), ({ instances, completed, workers, exitCodes }) => [
  `ProcessUpload: ${completed} of ${instances} orchestrations completed, on two worker processes`,
  ...workers.map(({ pid, activities }, i) => `  worker ${i + 1} (pid ${pid}) ran ${activities} activities`),
  `Workers stopped with exit codes ${exitCodes.join(', ')}`,
].join('\n'));
