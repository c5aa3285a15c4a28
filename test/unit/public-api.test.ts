// Pins the package's public surface: the runtime exports of each entry point and the package.json `exports` map.
// An intended change to the API updates the lists below in the same change; an accidental one fails here.
// The dist/ checks rely on a build (`npm test` builds first through `pretest`). Names are sorted with the default
// (UTF-16) sort: upper case before lower case.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as root from '../../src/index.js';
import * as embedded from '../../src/embedded/index.js';
import * as testing from '../../src/testing/index.js';
import * as eslintPlugin from '../../src/eslint/index.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface PackageJson {
  readonly exports: Record<string, string | { readonly types?: string; readonly default?: string }>;
  readonly bin: Record<string, string>;
  readonly main: string;
  readonly types: string;
}

const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as PackageJson;

const runtimeExports = (module: object): string[] => Object.keys(module).sort();

describe('public API', () => {
  it("'durably' exports exactly these names", () => {
    expect(runtimeExports(root)).toEqual([
      'ADMIN_OPERATIONS',
      'Activity',
      'ActivityResolver',
      'ActivityTimeoutError',
      'AdminRouterConfigurationError',
      'DURABLE_ERROR_CODES',
      'DashboardConfigurationError',
      'DurableClient',
      'DurableEntity',
      'DurableError',
      'DurableOrchestrator',
      'DurableRegistry',
      'Durably',
      'DurablyIdGenerator',
      'ENGINE_VERSION',
      'Entity',
      'EntityActionType',
      'EntityId',
      'EntityOperationNotFoundError',
      'HistoryEventType',
      'InjectableBase',
      'InstanceAlreadyExistsError',
      'InstanceNotFoundError',
      'InstanceStateConflictError',
      'InvalidHistoryError',
      'InvalidPayloadError',
      'LockingRulesViolationError',
      'MAX_RUNNABLE_NAME_LENGTH',
      'NonDeterminismError',
      'NonDurableAwaitError',
      'Orchestrator',
      'OrchestratorActionType',
      'PayloadTooLargeError',
      'READ_ONLY_ADMIN_OPERATIONS',
      'RESERVED_NAME_PREFIX',
      'RegistrationError',
      'TaskCanceledError',
      'TaskFailedError',
      'TimeoutError',
      'VersionMismatchError',
      'compareVersions',
      'consoleLogger',
      'createAdminRouter',
      'createDashboardRouter',
      'decodePayload',
      'durableFunctionsClientInput',
      'encodePayload',
      'entityOperationNames',
      'errorFromFailureDetails',
      'executeEntityBatch',
      'executeOrchestration',
      'failureDetailsFrom',
      'getRunnableMetadata',
      'jsonConsoleLogger',
      'payloadSize',
      'pinoLogger',
    ]);
  });

  it("'durably/embedded' exports exactly these names", () => {
    expect(runtimeExports(embedded)).toEqual(['EmbeddedEngineError', 'startEmbeddedMongo']);
  });

  it("'durably/eslint' exports the plugin and its rules", () => {
    expect(runtimeExports(eslintPlugin)).toEqual(['default', 'rules']);
  });

  it("'durably/testing' exports exactly these names", () => {
    expect(runtimeExports(testing)).toEqual(['HistoryBuilder', 'createTestEnvironment', 'parseHistory', 'replayHistory', 'startTestMongo', 'yieldToEventLoop']);
  });
});

describe('package.json', () => {
  it('exports exactly the four entry points and package.json', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './embedded', './eslint', './package.json', './testing']);
    expect(pkg.exports['./package.json']).toBe('./package.json');
  });

  it.each([
    ['.', 'src/index'],
    ['./embedded', 'src/embedded/index'],
    ['./testing', 'src/testing/index'],
    ['./eslint', 'src/eslint/index'],
  ])("'%s' resolves to built types and code under dist/ (%s)", (entry, source) => {
    const target = pkg.exports[entry];
    expect(typeof target).toBe('object');
    const { types, default: code } = target as { types?: string; default?: string };
    expect(types).toBe(`./dist/${source}.d.ts`);
    expect(code).toBe(`./dist/${source}.js`);
    expect(existsSync(path.resolve(packageRoot, types!))).toBe(true);
    expect(existsSync(path.resolve(packageRoot, code!))).toBe(true);
  });

  it('main and types point at the root entry', () => {
    const rootEntry = pkg.exports['.'] as { types: string; default: string };
    expect(pkg.main).toBe(rootEntry.default);
    expect(pkg.types).toBe(rootEntry.types);
  });

  it('the durably-mongo bin is built and starts with a node shebang', () => {
    expect(Object.keys(pkg.bin)).toEqual(['durably-mongo']);
    const bin = path.resolve(packageRoot, pkg.bin['durably-mongo']!);
    expect(bin.startsWith(path.join(packageRoot, 'dist') + path.sep)).toBe(true);
    expect(existsSync(bin)).toBe(true);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});
