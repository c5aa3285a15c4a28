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

/**
 * The layering of src/: each top-level folder and the folders it may import (type-only imports included: they are
 * structure too). Lower rooms never see higher ones; `app/` composes everything; `testing/` sits on top of it.
 */
const LAYERS: Record<string, readonly string[]> = {
  core: [],
  history: ['core'],
  engine: ['core', 'history'],
  entities: ['core', 'history', 'engine'],
  registry: ['core', 'history', 'engine', 'entities'],
  ports: ['core', 'history'],
  planner: ['core', 'history', 'engine', 'ports'],
  telemetry: ['core', 'history'],
  runtime: ['core', 'history', 'engine', 'entities', 'registry', 'ports', 'planner', 'telemetry'],
  client: ['core', 'history', 'engine', 'entities', 'registry', 'ports', 'telemetry'],
  http: ['core', 'history', 'entities', 'ports', 'client', 'telemetry'],
  adapters: ['core', 'history', 'ports'],
  embedded: ['core'],
  eslint: ['core'],
  app: ['core', 'history', 'engine', 'entities', 'registry', 'ports', 'planner', 'runtime', 'client', 'http', 'adapters', 'embedded', 'telemetry'],
  testing: ['core', 'history', 'engine', 'entities', 'registry', 'ports', 'planner', 'runtime', 'client', 'http', 'adapters', 'embedded', 'app', 'telemetry'],
};

/** The folder of `file` `depth` levels below `base` (a path under src/), or '.' for a file directly in `base`. */
function folderOf(file: string, base: string): string {
  const parts = path.relative(path.join(src, base), file).split(path.sep);
  return parts.length > 1 ? (parts[0] as string) : '.';
}

/** Every relative import between two different folders under `base`, as `from -> to: file -> target`. */
function folderEdges(base: string): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of files.filter((f) => !path.relative(path.join(src, base), f).startsWith('..'))) {
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      if (path.relative(path.join(src, base), target).startsWith('..')) continue;
      const from = folderOf(file, base);
      const to = folderOf(target, base);
      if (from === to) continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), `${relative(file)} -> ${relative(target)}`]);
    }
  }
  return edges;
}

/** The cycles of a folder graph (strongly connected components of more than one folder). */
function folderCycles(edges: Map<string, string[]>): string[][] {
  const next = new Map<string, string[]>();
  for (const key of edges.keys()) {
    const [from = '', to = ''] = key.split(' -> ');
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (stack.includes(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let top: string | undefined;
      do {
        top = stack.pop();
        if (top !== undefined) component.push(top);
      } while (top !== undefined && top !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** The imports that make up the cycles, for the failure message. */
function cycleImports(edges: Map<string, string[]>, cycles: string[][]): string[] {
  return cycles.flatMap((cycle) => [...edges].filter(([key]) => {
    const [from = '', to = ''] = key.split(' -> ');
    return cycle.includes(from) && cycle.includes(to);
  }).flatMap(([, imports]) => imports));
}

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

  it('keeps every source file of src/ under 400 lines', () => {
    const all = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? all(full) : /\.(ts|js|mjs|css|html)$/.test(name) ? [full] : [];
    });
    const long = all(src)
      .map((file) => ({ file: relative(file), lines: (readFileSync(file, 'utf8').match(/\n/g) ?? []).length }))
      .filter(({ lines }) => lines >= 400)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('has no cycle between the top-level folders of src/', () => {
    const edges = folderEdges('.');
    expect(cycleImports(edges, folderCycles(edges))).toEqual([]);
  });

  it('has no cycle between the folders of src/embedded/ (nor with the files directly in it)', () => {
    const edges = folderEdges('embedded');
    expect(cycleImports(edges, folderCycles(edges))).toEqual([]);
  });

  it('every top-level folder imports only the folders below it (LAYERS)', () => {
    const folders = new Set(readdirSync(src).filter((name) => statSync(path.join(src, name)).isDirectory()));
    // A new folder must take its place in the layering before anything may import it.
    expect([...folders].filter((folder) => LAYERS[folder] === undefined)).toEqual([]);
    const forbidden = [...folderEdges('.')].filter(([key]) => {
      const [from = '', to = ''] = key.split(' -> ');
      return from !== '.' && !(LAYERS[from] ?? []).includes(to);
    }).flatMap(([, imports]) => imports);
    expect(forbidden).toEqual([]);
  });

  it.each([
    ['mongodb', 'src/adapters/mongodb'],
    ['agenda', 'src/adapters/agenda'],
    ['@agendajs/', 'src/adapters/agenda'],
    ['express', 'src/http/'],
    ['@opentelemetry/', 'src/telemetry/'],
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
