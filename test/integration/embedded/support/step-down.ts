import { MongoNetworkError, type MongoClient } from 'mongodb';

/**
 * Steps the primary down for `seconds` with the `replSetStepDown` admin command, as an operator would (works on a
 * real replica set too). A server before MongoDB 4.2 drops its connections once it has answered, so a network error
 * on the reply is taken as success too.
 */
export async function stepDownPrimary(client: MongoClient, seconds: number): Promise<void> {
  try {
    await client.db('admin').command({ replSetStepDown: seconds, force: true });
  } catch (error) {
    if (!(error instanceof MongoNetworkError)) throw error;
  }
}
