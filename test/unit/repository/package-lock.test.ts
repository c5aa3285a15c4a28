// `npm install` on a fresh clone must leave package-lock.json untouched (issue 21: a peerDependencies entry missing from
// the lock's root made every install rewrite it). npm rewrites the lock when its root entry — the lock's copy of
// package.json's dependency fields — differs from package.json, so this checks that copy field by field.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

/** The package.json fields npm copies into the lock's root entry (`packages[""]`). */
const ROOT_FIELDS = [
  'name', 'version', 'license', 'dependencies', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta',
  'optionalDependencies', 'engines', 'bin',
] as const;

describe('package-lock.json', () => {
  it("has package.json's dependency fields in its root entry, so npm install does not rewrite it", () => {
    const manifest = readJson('package.json');
    const lock = readJson('package-lock.json') as { name?: string; version?: string; lockfileVersion?: number; packages?: Record<string, Record<string, unknown>> };
    expect(lock.lockfileVersion).toBe(3);
    expect([lock.name, lock.version]).toEqual([manifest.name, manifest.version]);
    const rootEntry = lock.packages?.[''] ?? {};
    for (const field of ROOT_FIELDS) expect([field, rootEntry[field]]).toEqual([field, field === 'bin' ? normalizeBin(manifest.bin) : manifest[field]]);
  });

  it('locks every dependency package.json names', () => {
    const manifest = readJson('package.json') as Record<string, Record<string, string> | undefined>;
    const lock = readJson('package-lock.json') as { packages: Record<string, { version?: string }> };
    const required = { ...manifest.dependencies, ...manifest.devDependencies };
    const missing = Object.keys(required).filter((name) => lock.packages[`node_modules/${name}`]?.version === undefined);
    expect(missing).toEqual([]);
  });
});

/** npm writes `bin` paths without a leading `./`. */
function normalizeBin(bin: unknown): unknown {
  if (bin === undefined || typeof bin !== 'object' || bin === null) return bin;
  return Object.fromEntries(Object.entries(bin).map(([name, file]) => [name, String(file).replace(/^\.\//, '')]));
}
