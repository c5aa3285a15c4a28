import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../examples/fan-out-fan-in/main.js';
import { startExampleMongo, type ExampleMongo } from './support/example-mongo.js';

let env: ExampleMongo;
beforeAll(async () => {
  env = await startExampleMongo();
});
afterAll(async () => {
  await env.mongo.stop();
});

describe('examples/fan-out-fan-in', () => {
  it('copies every file in parallel and adds up their sizes', async () => {
    const result = await main(env.options);
    expect(result.runtimeStatus).toBe('Completed');
    expect(result.report).toEqual({ directory: '/var/www/site', files: 8, totalBytes: 794_688, manifest: 'backups/var/www/site/manifest.json' });
    expect(result.blobsWritten).toBe(9);
    // The copies were all scheduled before any was awaited, so they overlapped (each upload takes 100 ms).
    expect(result.maxConcurrentUploads).toBeGreaterThan(1);
    expect(env.errors).toEqual([]);
  });

  it('fans out over nothing when the directory is empty', async () => {
    const result = await main(env.options, '/srv/empty');
    expect(result.runtimeStatus).toBe('Completed');
    expect(result.report).toEqual({ directory: '/srv/empty', files: 0, totalBytes: 0, manifest: 'backups/srv/empty/manifest.json' });
  });
});
