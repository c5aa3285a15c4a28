import { MongoClient, type Collection } from 'mongodb';
import { STAND_IN_COLLECTION, type StandInCounters } from '../shared/stand-in-counters.js';

interface CounterDocument {
  readonly _id: string;
  readonly value: number;
}

/**
 * The example service's stand-in counters, one document per counter in {@link STAND_IN_COLLECTION} of the service's
 * database: payment numbers and job checks carry on after a restart, as the service's instances do.
 */
export class MongoStandInCounters implements StandInCounters {
  private constructor(private readonly client: MongoClient, private readonly counters: Collection<CounterDocument>) {}

  /**
   * Connects to `mongoUri` and uses the database Durably picks for the same URI: the one the URI names, else
   * `durably`.
   */
  static async connect(mongoUri: string): Promise<MongoStandInCounters> {
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    const fromUri = client.options.dbName;
    const db = client.db(fromUri !== undefined && fromUri !== 'test' ? fromUri : 'durably');
    return new MongoStandInCounters(client, db.collection<CounterDocument>(STAND_IN_COLLECTION));
  }

  async next(name: string): Promise<number> {
    // One atomic upsert: two activities numbering payments at once get different numbers.
    const updated = await this.counters.findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
    if (updated === null) throw new Error(`the counter ${name} was not returned by its upsert`);
    return updated.value;
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.client.close();
  }
}
