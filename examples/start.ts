import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedMongo } from '../src/embedded/index.js';

/**
 * `npm start`: runs the embedded engine with its data under ./data, so that a restart keeps what was written.
 * (Later this becomes the example service; for now it is the engine the examples and your own code can use.)
 */
async function main(): Promise<void> {
  const dbPath = path.resolve(process.env.DURABLY_DATA_DIR ?? 'data/embedded');
  mkdirSync(dbPath, { recursive: true });
  const port = Number(process.env.PORT ?? 27017);
  const mongo = await startEmbeddedMongo({ port, dbPath });
  process.stdout.write(
    [
      '',
      '  Durably embedded engine is running',
      `  URI:     ${mongo.uri}`,
      `  dbPath:  ${dbPath}`,
      '',
      `  Try it:  MONGODB_URI=${mongo.uri} node -e "import('mongodb').then(async ({ MongoClient }) => { const c = await MongoClient.connect(process.env.MONGODB_URI); console.log(await c.db('demo').collection('hello').insertOne({ at: new Date() })); await c.close(); })"`,
      '  Stop:    Ctrl-C',
      '',
    ].join('\n') + '\n',
  );
  const shutdown = (): void => {
    void mongo.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
