// One error family: every error class of src/ lives in src/core/errors/ and extends DurableError; nothing in src/
// throws anything else; every code is in the catalogue, and docs/errors.md lists exactly the catalogue.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DURABLE_ERROR_CODES } from '../../../src/core/errors/error-code.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const src = path.join(root, 'src');
const errorsDir = path.join(src, 'core', 'errors');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return typeScriptFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const files = typeScriptFiles(src);
const relative = (file: string): string => path.relative(root, file);
// Strips comments, so that prose about errors is not read as code.
const code = (file: string): string => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** The error classes declared in a file: name -> the class it extends. */
function errorClasses(file: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of code(file).matchAll(/class\s+(\w+)\s+extends\s+(\w+)/g)) {
    const [, name = '', base = ''] = match;
    if (/Error$/.test(name) || /Error$/.test(base)) found.set(name, base);
  }
  return found;
}

const family = new Map<string, string>();
for (const file of typeScriptFiles(errorsDir)) for (const [name, base] of errorClasses(file)) family.set(name, base);

/** Whether `name` is DurableError or descends from it within the family. */
function isDurable(name: string, seen = new Set<string>()): boolean {
  if (name === 'DurableError') return true;
  const base = family.get(name);
  if (base === undefined || seen.has(name)) return false;
  seen.add(name);
  return isDurable(base, seen);
}

describe('the error catalogue', () => {
  it('keeps every error class of src/ in src/core/errors/, each a DurableError', () => {
    const elsewhere = files
      .filter((file) => !file.startsWith(errorsDir) && relative(file) !== 'src/core/durable-error.ts')
      .flatMap((file) => [...errorClasses(file).keys()].map((name) => `${relative(file)}: class ${name}`));
    expect(elsewhere).toEqual([]);
    expect([...family.keys()].filter((name) => !isDurable(name))).toEqual([]);
    expect(family.size).toBeGreaterThan(15);
  });

  it('throws nothing in src/ but DurableError and its family', () => {
    const offenders = files.flatMap((file) => [...code(file).matchAll(/throw\s+new\s+(\w+)\s*\(/g)]
      .map((match) => match[1] ?? '')
      .filter((name) => !isDurable(name))
      .map((name) => `${relative(file)}: throw new ${name}(...)`));
    expect(offenders).toEqual([]);
  });

  it('gives every code a meaning, in upper snake case', () => {
    for (const [name, meaning] of Object.entries(DURABLE_ERROR_CODES)) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });

  it('is listed in docs/errors.md exactly: every code once, with its meaning', () => {
    const doc = readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (.*) \|$/gm)].map(([, name = '', meaning = '']) => [name, meaning.replace(/\\\|/g, '|')]);
    expect(rows.map(([name]) => name).sort()).toEqual(Object.keys(DURABLE_ERROR_CODES).sort());
    expect(Object.fromEntries(rows)).toEqual(DURABLE_ERROR_CODES);
  });
});
