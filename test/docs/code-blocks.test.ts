// Every ```ts block in README.md and docs/**/*.md compiles against the repository's sources, under tsconfig.json's
// strict settings (the convention — `illustrative` blocks, the sample app in doc-fixtures.ts — is in docs/README.md).
// Set DOCS_KEEP_GENERATED=1 to write the generated modules to test/docs/.generated/ for inspection.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { checkMarkdown, markdownFiles, readMarkdown, runBlock, type CheckResult } from './code-blocks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = markdownFiles(root);

// A deliberately broken page, checked in the same compiler program: it proves that problems are found and placed.
const PROBE = 'test/docs/probe.md';
const probe = [
  '# probe',                                             // line 1
  '',
  '```ts',                                               // line 3
  "import { Durably } from 'durably';",                  // line 4
  "const durably = await Durably.create({ taskHub: 'Probe' });",
  "durably.client.startNew('HelloSequence', { input: ['Tokyo'] });",
  'const n: number = await durably.client.startNew(HelloSequence);', // line 7: a string is not a number
  '```',
  '',
  '```ts illustrative',
  'this is not TypeScript',
  '```',
  '',
  '```ts',                                               // line 14
  "await ctx.callActivity(SayHello, 42);",               // line 15: SayHello takes a string
  '```',
  '',
  '```ts continues',                                     // compiled after the block above (not reported twice)
  "const greeting: number = await ctx.callActivity(SayHello, 'Tokyo');", // line 19: the result is a string
  '```',
].join('\n');

let result: CheckResult | undefined;
function check(): CheckResult {
  const keepDir = process.env.DOCS_KEEP_GENERATED === '1' ? path.join(root, 'test/docs/.generated') : undefined;
  result ??= checkMarkdown(root, new Map([...readMarkdown(root, files), [PROBE, probe]]), keepDir === undefined ? {} : { keepDir });
  return result;
}

const where = (p: { file: string; line: number; message: string }): string => `${p.file}:${p.line}: ${p.message}`;

describe('documentation code blocks', () => {
  it('reports a block that does not compile with its file and line, and skips illustrative blocks', () => {
    const { problems, illustrative } = check();
    const probeProblems = problems.filter((p) => p.file === PROBE);
    expect(probeProblems.map((p) => p.line)).toEqual([7, 15, 19]);
    expect(probeProblems[0]?.message).toContain("Type 'string' is not assignable to type 'number'");
    expect(probeProblems[1]?.message).toContain("'number' is not assignable to parameter of type 'string'");
    expect(illustrative.filter((b) => b.file === PROBE)).toHaveLength(1);
  });

  it.each(files)('%s: every ts block compiles', (file) => {
    const problems = check().problems.filter((p) => p.file === file).map(where);
    expect(problems).toEqual([]);
  });

  it('runs every `ts run` block to a clean exit (from the build in dist/)', async () => {
    const runnable = check().compiled.filter((b) => b.run);
    expect(runnable.length).toBeGreaterThan(0);
    if (!existsSync(path.join(root, 'dist/src/index.js'))) throw new Error('dist/src/index.js is missing: run `npm run build` first');
    const failures: string[] = [];
    for (const block of runnable) {
      const { exitCode, output } = await runBlock(root, block, 30_000);
      if (exitCode !== 0) failures.push(`${block.file}:${block.line}: exit code ${String(exitCode)}\n${output}`);
      // `console.log(...);  // what it prints` — the comment is checked against the output.
      for (const [, printed] of block.code.matchAll(/console\.log\(.*\);?\s*\/\/\s*(.+)$/gm)) {
        if (printed !== undefined && !output.includes(printed.trim())) failures.push(`${block.file}:${block.line}: the output lacks '${printed.trim()}':\n${output}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('compiles nearly every block: illustrative ones stay the exception', () => {
    const { compiled, illustrative } = check();
    const docs = (blocks: readonly { file: string }[]): number => blocks.filter((b) => b.file !== PROBE).length;
    expect(docs(compiled)).toBeGreaterThan(40);
    expect(docs(illustrative)).toBeLessThanOrEqual(Math.ceil(docs(compiled) / 10));
  });
});
