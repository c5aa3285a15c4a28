import 'reflect-metadata';
import { container } from 'tsyringe';
import { startEmbeddedMongo } from '../src/embedded/index.js';
import { DurableEntity } from '../src/entities/durable-entity.js';
import { EntityId } from '../src/core/entity-id.js';
import { Entity } from '../src/registry/index.js';
import { Durably } from '../src/app/durably.js';

/**
 * `npm run bench` (last): durable entities on the embedded engine in memory, one process (app + engine), default
 * tuning. Operations/s on one hot entity (many clients signalling it at once: the operations queue up and are applied
 * in batches, one state write per batch) and across 1,000 entities. Throughput counts from the first signal until
 * every operation is applied (its effect is in the stored state). A benchmark, not a test. `--quick`: smaller runs.
 */

const QUICK = process.argv.includes('--quick');

@Entity()
class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): void {
    this.state += amount;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number): number => Math.round(n);

async function waitForStates(durably: Durably, ids: readonly EntityId[], expected: number, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...ids];
  while (pending.length > 0) {
    const states = await Promise.all(pending.map(async (id) => (await durably.client.readEntityState<number>(id)).entityState));
    pending = pending.filter((_, i) => states[i] !== expected);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending.length} entities did not reach ${expected}`);
    await sleep(20);
  }
}

/** `clients` concurrent senders, each signalling `perClient` add(1) to one entity, one after the other. */
async function hotEntity(durably: Durably, clients: number, perClient: number): Promise<{ ops: number; ms: number; perSecond: number }> {
  const id = new EntityId('Counter', `hot-${clients}-${perClient}-${Date.now()}`);
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) await durably.client.signalEntity(id, 'add', 1);
  }));
  const sent = Date.now() - t0;
  await waitForStates(durably, [id], clients * perClient);
  const ms = Date.now() - t0;
  process.stdout.write(`  (signals stored in ${sent} ms)\n`);
  return { ops: clients * perClient, ms, perSecond: round((clients * perClient * 1000) / ms) };
}

/** `entities` entities, each signalled `perEntity` add(1), by `clients` concurrent senders going round them. */
async function manyEntities(durably: Durably, entities: number, perEntity: number, clients: number): Promise<{ ops: number; ms: number; perSecond: number }> {
  const tag = Date.now();
  const ids = Array.from({ length: entities }, (_, i) => new EntityId('Counter', `many-${tag}-${i}`));
  const work = ids.flatMap((id) => Array.from({ length: perEntity }, () => id));
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < work.length; i = next++) await durably.client.signalEntity(work[i] as EntityId, 'add', 1);
  }));
  await waitForStates(durably, ids, perEntity);
  const ms = Date.now() - t0;
  return { ops: work.length, ms, perSecond: round((work.length * 1000) / ms) };
}

async function main(): Promise<void> {
  const mongo = await startEmbeddedMongo();
  const durably = await Durably.create({
    mongoUri: mongo.uri, dbName: 'bench_entities', taskHub: 'BenchEntities', entities: [Counter], container: container.createChildContainer(),
    logger: (level, message, ...args) => {
      if (level === 'error') console.error(message, ...args);
    },
  });
  await durably.start();
  try {
    await hotEntity(durably, 4, 50); // warm-up
    const out = (line: string): void => {
      process.stdout.write(`${line}\n`);
    };
    out('\nDurable entities: one process (app + embedded engine in memory), default tuning');
    const hot = await hotEntity(durably, 20, QUICK ? 100 : 500);
    out(`one hot entity, 20 clients × ${hot.ops / 20} add(1): ${hot.ops} ops in ${hot.ms} ms = ${hot.perSecond} ops/s (target ≥ 1,000)`);
    const many = await manyEntities(durably, 1000, QUICK ? 2 : 5, 20);
    out(`1,000 entities × ${many.ops / 1000} add(1), 20 clients: ${many.ops} ops in ${many.ms} ms = ${many.perSecond} ops/s`);
    out(JSON.stringify({ hot, many }));
  } finally {
    await durably.stop();
    await mongo.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
