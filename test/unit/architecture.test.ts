import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

// Static imports and re-exports; `import type` / `export type` are erased at runtime and cannot form a load cycle.
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    found.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined });
  }
  for (const match of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push({ specifier: match[1] as string, typeOnly: false });
  for (const match of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push({ specifier: match[1] as string, typeOnly: true });
  return found;
}

const files = sourceFiles(src);
const relative = (file: string): string => path.relative(root, file);

describe('architecture', () => {
  it('src/ has no runtime import cycles', () => {
    const graph = new Map<string, string[]>();
    for (const file of files) {
      graph.set(file, importsOf(file)
        .filter((i) => !i.typeOnly && i.specifier.startsWith('.'))
        .map((i) => path.resolve(path.dirname(file), i.specifier).replace(/\.js$/, '.ts')));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].map(relative).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      stack.push(file);
      for (const next of graph.get(file) ?? []) visit(next);
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });

  it.each([
    ['mongodb', 'src/adapters/mongodb'],
    ['agenda', 'src/adapters/agenda'],
    ['@agendajs/', 'src/adapters/agenda'],
    ['express', 'src/http/'],
  ])("'%s' is imported only under %s", (pkg, folders) => {
    const offenders = files
      .filter((file) => !folders.split(' ').some((folder) => relative(file).startsWith(folder)))
      .filter((file) => importsOf(file).some((i) => i.specifier === pkg || i.specifier.startsWith(pkg.endsWith('/') ? pkg : `${pkg}/`)))
      .map(relative);
    expect(offenders).toEqual([]);
  });

  it('the embedded engine does not depend on the driver, the runtime or the HTTP layer', () => {
    const embedded = files.filter((file) => relative(file).startsWith('src/embedded/'));
    const offenders = embedded.flatMap((file) => importsOf(file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => path.relative(src, path.resolve(path.dirname(file), i.specifier)))
      .filter((target) => !target.startsWith('embedded') && !target.startsWith('core'))
      .map((target) => `${relative(file)} -> ${target}`));
    expect(offenders).toEqual([]);
  });
});
