import { it } from '@jest/globals';

/**
 * `it` for a case that needs change streams: on a standalone server (a `MONGODB_URI` without a replica set) the case
 * logs that it was skipped and passes. `isReplicaSet` is read when the case runs (the suite learns it in `beforeAll`).
 */
export function onReplicaSet(isReplicaSet: () => boolean): (name: string, fn: () => Promise<void>) => void {
  return (name, fn) => {
    it(name, async () => {
      if (!isReplicaSet()) {
        console.info(`skipped on a standalone server: ${name}`);
        return;
      }
      await fn();
    }, 60_000);
  };
}
