import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The library's own source root (`src/` here, `dist/src/` once built): frames inside it are Durably calling itself on
// the user's behalf (e.g. `Durably.create` → `DurableRegistry.from`), so the location worth reporting is further out.
const libraryRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// `    at fn (file:///a/b.ts:12:3)`, `    at file:///a/b.ts:12:3`, `    at new C (C:\a\b.js:12:3)`.
const framePattern = /^\s*at (?:.*? \()?(.+?):(\d+):\d+\)?$/;

// Enough frames to climb out of decorator helpers, the registry and a caller inside the library.
const stackDepth = 50;

/**
 * Where the user's code called into Durably: `path:line` of the first stack frame outside the library and outside
 * `node_modules` / Node internals, relative to the working directory when inside it. `undefined` when no such frame
 * can be found (stack traces disabled, or code bundled into one file with the library).
 *
 * With source maps enabled (`node --enable-source-maps`, ts-node, jest) the location is in the TypeScript source.
 */
export function captureSourceLocation(): string | undefined {
  const previousLimit = Error.stackTraceLimit;
  let stack: string | undefined;
  try {
    Error.stackTraceLimit = stackDepth;
    stack = new Error().stack;
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
  for (const line of (stack ?? '').split('\n')) {
    const match = framePattern.exec(line);
    if (match === null) continue;
    const file = toPath(match[1] as string);
    if (file === undefined || isLibraryOrDependency(file)) continue;
    return `${displayPath(file)}:${match[2] as string}`;
  }
  return undefined;
}

function toPath(location: string): string | undefined {
  if (location.startsWith('node:') || location.startsWith('internal/')) return undefined;
  if (location.startsWith('file://')) {
    try {
      return fileURLToPath(location);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(location) ? location : undefined;
}

function isLibraryOrDependency(file: string): boolean {
  return file.startsWith(libraryRoot + path.sep) || file.split(/[\\/]/).includes('node_modules');
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  return shown.split(path.sep).join('/');
}
