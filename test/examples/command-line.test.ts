// Every example as a user runs it from the command line (`npm run example:<name>` = build, then
// `node dist/examples/<name>/main.js`): it exits 0 on its own, prints what its README says, and warns about nothing.
// Also: each example folder has its script, its README, and README code that is copied from its sources.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BANNER_SECTIONS, KEY_HEADER_FROM_VARIABLE, toCurl } from '../../examples/service/banner.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplesDir = path.join(root, 'examples');
const EXAMPLES = readdirSync(examplesDir).filter((name) => statSync(path.join(examplesDir, name)).isDirectory() && name !== 'shared' && name !== 'service').sort();
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

const readme = (name: string): string => readFileSync(path.join(examplesDir, name, 'README.md'), 'utf8');

/** The bodies of the fenced blocks of `language` in a Markdown text. */
function fencedBlocks(markdown: string, language: string): string[] {
  const blocks: string[] = [];
  const pattern = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const match of markdown.matchAll(pattern)) blocks.push((match[1] ?? '').replace(/\n$/, ''));
  return blocks;
}

/** A README output line as a pattern: `…` stands for anything. */
function linePattern(line: string): RegExp {
  return new RegExp(`^${line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

async function runScript(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MONGODB_URI; // the examples' default: the embedded engine
  const child = spawn(process.execPath, [script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A process that does not exit on its own has leaked a handle: the test times out (and the child is killed).
  const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
  await once(child, 'exit');
  clearTimeout(timer);
  return { code: child.exitCode, stdout, stderr };
}

describe('examples from the command line', () => {
  it('finds the eight examples', () => {
    expect(EXAMPLES).toEqual(['aggregator', 'async-http-api', 'chaining', 'fan-out-fan-in', 'human-interaction', 'monitor', 'observability', 'scale-out']);
  });

  it.each(EXAMPLES)('%s: has an npm script, a README, and a row in examples/README.md', (name) => {
    expect(packageJson.scripts[`example:${name}`]).toBe(`npm run build --silent && node dist/examples/${name}/main.js`);
    expect(readme(name)).toContain(`npm run example:${name}`);
    expect(readFileSync(path.join(examplesDir, 'README.md'), 'utf8')).toContain(`\`npm run example:${name}\``);
  });

  it.each(EXAMPLES)('%s: the TypeScript in its README is copied from its sources', (name) => {
    const sources = readdirSync(path.join(examplesDir, name)).filter((file) => file.endsWith('.ts')).map((file) => readFileSync(path.join(examplesDir, name, file), 'utf8')).join('\n');
    const blocks = fencedBlocks(readme(name), 'ts');
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(sources.includes(block) ? 'found' : `not in examples/${name}/*.ts:\n${block}`).toBe('found');
  });

  it.each(EXAMPLES)('%s: the curl commands in its README are those of the service banner (run by service.test.ts)', (name) => {
    const banner = new Set(BANNER_SECTIONS.flatMap((section) => section.commands).map((command) => toCurl('http://127.0.0.1:3000/runtime/webhooks/durabletask', KEY_HEADER_FROM_VARIABLE, command)));
    const commands = fencedBlocks(readme(name), 'bash')
      .flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n'))
      .filter((line) => line.startsWith('curl '))
      .map((line) => line.replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim());
    for (const command of commands) expect(banner.has(command) ? 'in the banner' : command).toBe('in the banner');
  });

  it.each(EXAMPLES)('%s: runs to a clean exit and prints the output its README shows', async (name) => {
    const { code, stdout, stderr } = await runScript(`dist/examples/${name}/main.js`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [expected] = fencedBlocks(readme(name), 'text');
    expect(expected).toBeDefined();
    const printed = stdout.trimEnd().split('\n');
    for (const line of (expected ?? '').split('\n')) {
      expect(printed.some((out) => linePattern(line).test(out)) ? line : `'${line}' not in:\n${stdout}`).toBe(line);
    }
  }, 60_000);
});
