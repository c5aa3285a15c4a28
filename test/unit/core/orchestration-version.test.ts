// compareVersions (public) and versionSortKey (what a store compares in a claim query) agree on one order.
import { describe, expect, it } from '@jest/globals';
import { assertVersion, compareVersions, versionSortKey } from '../../../src/core/orchestration-version.js';

describe('compareVersions', () => {
  it.each([
    ['1.10', '1.9', 1],
    ['1.9', '1.10', -1],
    ['1.01', '1.1', 0],
    ['2.0.1', '2.0', 1],
    ['2.0', '2.0', 0],
    ['v2', 'v10', -1],
    ['1.0-beta', '1.0', 1],
    ['B', 'a', -1],
    ['0', '00', 0],
  ])('%s vs %s: %i', (a, b, expected) => {
    expect(Math.sign(compareVersions(a, b))).toBe(expected);
    expect(Math.sign(compareVersions(b, a))).toBe(expected === 0 ? 0 : -expected);
  });

  it('no version is older than every version, and the same as no version', () => {
    expect(compareVersions(undefined, '0')).toBe(-1);
    expect(compareVersions('0', undefined)).toBe(1);
    expect(compareVersions(undefined, undefined)).toBe(0);
  });

  it('sorts like the plain order of the sort keys', () => {
    const versions = ['10.0', '1.10', '1.9', '1.9.1', '2', '1', 'v1', '1a', '1.0', '0.99', '100', '9'];
    const byCompare = [...versions].sort(compareVersions);
    const byKey = [...versions].sort((a, b) => (versionSortKey(a) < versionSortKey(b) ? -1 : versionSortKey(a) > versionSortKey(b) ? 1 : 0));
    expect(byKey).toEqual(byCompare);
    expect(byCompare.slice(0, 6)).toEqual(['0.99', '1', '1.0', '1.9', '1.9.1', '1.10']);
  });

  it('accepts a non-empty version of at most 100 characters', () => {
    expect(() => assertVersion('2.1', 'version')).not.toThrow();
    for (const bad of ['', 'x'.repeat(101), 2, null]) expect(() => assertVersion(bad, 'version')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
