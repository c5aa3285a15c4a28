// The behavioural contract of InstanceStore (src/ports/instance-store.ts), written once and run against every
// adapter (see mongo-instance-store.test.ts). Everything here is observable through the port alone; adapter-specific
// storage details (document shapes, chunk splitting, indexes) are tested next to the adapter. The tests are in three
// parts, by what they exercise: instances as a whole, work and leases, commits and histories.
import { afterEach, beforeEach, describe } from '@jest/globals';
import type { InstanceStore } from '../../src/ports/instance-store.js';
import { describeInstanceStoreCommits } from './instance-store-commits.contract.js';
import { describeInstanceStoreLifecycle } from './instance-store-lifecycle.contract.js';
import { describeInstanceStoreRetention } from './instance-store-retention.contract.js';
import { describeInstanceStoreVersions } from './instance-store-versions.contract.js';
import { describeInstanceStoreWork } from './instance-store-work.contract.js';

/** A fresh, empty store (with its schema ensured) and how to dispose of it. */
export type InstanceStoreFactory = () => Promise<{ store: InstanceStore; close(): Promise<void> }>;

/** Registers the instance-store contract for one adapter. Each test gets a fresh store from `factory`. */
export function describeInstanceStoreContract(name: string, factory: InstanceStoreFactory): void {
  describe(`InstanceStore contract: ${name}`, () => {
    let store: InstanceStore;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ store, close } = await factory());
    });
    afterEach(async () => {
      await close();
    });

    describeInstanceStoreLifecycle(() => store);
    describeInstanceStoreWork(() => store);
    describeInstanceStoreCommits(() => store);
    describeInstanceStoreRetention(() => store);
    describeInstanceStoreVersions(() => store);
  });
}
