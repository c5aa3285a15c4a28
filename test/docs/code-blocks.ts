// Extracts the TypeScript code blocks of Markdown files and type-checks them, all in one compiler program, under the
// repository's tsconfig.json (a first, reused program only reads the export names of the fixtures and entry points).
// Used by code-blocks.test.ts; the convention is documented in docs/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One ```ts block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the block's first code line in the Markdown file. */
  readonly line: number;
  readonly code: string;
  /** True for blocks marked ```ts illustrative: shown to readers, never compiled. */
  readonly illustrative: boolean;
  /** True for blocks marked ```ts run: whole programs, also run by the test. */
  readonly run: boolean;
  /** True for blocks marked ```ts continues: compiled after the previous compiled block of the same file, in one module. */
  readonly continues: boolean;
}

/** A compiler error, placed in the Markdown file. */
export interface BlockProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface CheckResult {
  readonly compiled: readonly CodeBlock[];
  readonly illustrative: readonly CodeBlock[];
  readonly problems: readonly BlockProblem[];
}

const TS_LANGUAGES = new Set(['ts', 'typescript']);

/** README.md and every Markdown file under docs/, relative to `root`, sorted. */
export function markdownFiles(root: string): string[] {
  const walk = (dir: string): string[] => readdirSync(path.join(root, dir)).sort().flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return walk(rel);
    return name.endsWith('.md') ? [rel] : [];
  });
  return ['README.md', ...walk('docs')];
}

/** The ```ts / ```typescript blocks of one Markdown text (fences of three or more backticks or tildes, possibly indented). */
export function extractBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', language = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
      if (close?.[1] !== undefined && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    if (TS_LANGUAGES.has(language.toLowerCase())) {
      const words = rest.trim().split(/\s+/);
      blocks.push({ file, line: i + 2, code: body.join('\n'), illustrative: words.includes('illustrative'), run: words.includes('run'), continues: words.includes('continues') });
    }
    i = j;
  }
  return blocks;
}

/** Where the package's entry points live in the repository (what `durably`, `durably/testing`, `durably/embedded` map to). */
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  durably: 'src/index.ts',
  'durably/testing': 'src/testing/index.ts',
  'durably/embedded': 'src/embedded/index.ts',
};

const FIXTURES = 'test/docs/doc-fixtures.ts';

/** `from 'durably…'` → an import of the repository's entry point (`target` maps `src/...ts` to a path), on the same line. */
function rewriteSpecifiers(code: string, target: (entry: string) => string): string {
  return code.replace(/(['"])(durably(?:\/testing|\/embedded)?)\1/g, (whole, quote: string, name: string) => {
    const entry = ENTRY_POINTS[name];
    return entry === undefined ? whole : `${quote}${target(entry)}${quote}`;
  });
}

function importPath(fromDir: string, file: string): string {
  const rel = path.relative(fromDir, file).replace(/\\/g, '/').replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Names a block declares at its top level (imports included), and every identifier it mentions. */
function namesOf(code: string): { declared: Set<string>; used: Set<string>; hasImports: boolean } {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const declared = new Set<string>();
  const used = new Set<string>();
  let hasImports = false;
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) declared.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      hasImports = true;
      if (ts.isImportEqualsDeclaration(statement)) declared.add(statement.name.text);
      const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
      if (clause?.name !== undefined) declared.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) declared.add(bindings.name.text);
      if (bindings !== undefined && ts.isNamedImports(bindings)) for (const element of bindings.elements) declared.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) &&
      statement.name !== undefined && ts.isIdentifier(statement.name)
    ) {
      declared.add(statement.name.text);
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { declared, used, hasImports };
}

/** What each module exports (values and types), by name. */
function exportNames(program: ts.Program, files: readonly string[]): Map<string, Set<string>> {
  const checker = program.getTypeChecker();
  const result = new Map<string, Set<string>>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (symbol === undefined) throw new Error(`cannot read the exports of ${file}`);
    result.set(file, new Set(checker.getExportsOfModule(symbol).map((s) => s.name)));
  }
  return result;
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  // Type-check only: nothing is emitted, and declaration/source-map settings of the build do not apply.
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, incremental: false };
}

/**
 * Compiles every non-illustrative block of `markdown` (path → text; paths relative to `root`) as its own module in
 * `<root>/test/docs/.generated/` (virtual files, written to disk only with `keepDir`). A block is compiled as written,
 * followed by imports of the names it uses but neither declares nor imports: from test/docs/doc-fixtures.ts (the
 * sample app the docs talk about), and — for a block without any import of its own — from the package's entry points.
 * A `continues` block is compiled after the code of the block before it, as one module.
 */
export function checkMarkdown(root: string, markdown: ReadonlyMap<string, string>, options: { keepDir?: string } = {}): CheckResult {
  const generatedDir = path.join(root, 'test/docs/.generated');
  const compilerOpts = compilerOptions(root);
  const host = ts.createCompilerHost(compilerOpts, true);
  const virtual = new Map<string, string>();
  const realFileExists = host.fileExists.bind(host);
  const realReadFile = host.readFile.bind(host);
  const realGetSourceFile = host.getSourceFile.bind(host);
  const realDirectoryExists = host.directoryExists?.bind(host);
  host.fileExists = (file) => virtual.has(path.resolve(file)) || realFileExists(file);
  host.readFile = (file) => virtual.get(path.resolve(file)) ?? realReadFile(file);
  host.directoryExists = (dir) => path.resolve(dir) === generatedDir || (realDirectoryExists?.(dir) ?? true);
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(path.resolve(file));
    return text === undefined
      ? realGetSourceFile(file, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(file, text, languageVersion, true, ts.ScriptKind.TS);
  };

  const fixtures = path.join(root, FIXTURES);
  const entryFiles = Object.values(ENTRY_POINTS).map((p) => path.join(root, p));
  const exportsProgram = ts.createProgram([fixtures, ...entryFiles], compilerOpts, host);
  const exported = exportNames(exportsProgram, [fixtures, ...entryFiles]);

  const blocks = [...markdown].flatMap(([file, text]) => extractBlocks(file, text));
  const compiled = blocks.filter((b) => !b.illustrative);
  // Each generated module: the block, after the code of the blocks it continues (whose own problems are reported
  // by their own modules). `offset` is the 0-based line of the block's first line in the module.
  const sources = new Map<string, { block: CodeBlock; offset: number }>();
  const moduleCode = new Map<CodeBlock, string>();
  compiled.forEach((block, index) => {
    const name = `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}-${index}.ts`;
    const file = path.join(generatedDir, name);
    const previous = index > 0 ? compiled[index - 1] : undefined;
    const prefix = block.continues && previous?.file === block.file ? moduleCode.get(previous) : undefined;
    if (block.continues && prefix === undefined) throw new Error(`${block.file}:${block.line}: a 'continues' block needs a compiled block before it`);
    const code = prefix === undefined ? block.code : `${prefix}\n${block.code}`;
    moduleCode.set(block, code);
    const offset = prefix === undefined ? 0 : prefix.split('\n').length;
    const { declared, used, hasImports } = namesOf(code);
    const wanted = [...used].filter((n) => !declared.has(n));
    const taken = new Set<string>();
    const importsFrom = (module: string, names: Iterable<string>): string => {
      const list = [...names].filter((n) => !taken.has(n) && wanted.includes(n)).sort();
      for (const n of list) taken.add(n);
      return list.length === 0 ? '' : `import { ${list.join(', ')} } from '${importPath(generatedDir, module)}';\n`;
    };
    // Imports are hoisted: appending them keeps the block's line numbers equal to the generated file's.
    let footer = `\n// ---- ${block.file}:${block.line}\n`;
    footer += importsFrom(fixtures, exported.get(fixtures) ?? []);
    if (!hasImports) for (const entry of entryFiles) footer += importsFrom(entry, exported.get(entry) ?? []);
    footer += 'export {};\n';
    virtual.set(file, `${rewriteSpecifiers(code, (entry) => importPath(generatedDir, path.join(root, entry)))}\n${footer}`);
    sources.set(file, { block, offset });
  });

  if (options.keepDir !== undefined) {
    rmSync(options.keepDir, { recursive: true, force: true });
    mkdirSync(options.keepDir, { recursive: true });
    for (const [file, text] of virtual) writeFileSync(path.join(options.keepDir, path.basename(file)), text);
  }

  const program = ts.createProgram([...virtual.keys()], compilerOpts, host, exportsProgram);
  const problems: BlockProblem[] = [];
  const blockLines = (block: CodeBlock): number => block.code.split('\n').length;
  for (const [file, { block, offset }] of sources) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} was not compiled`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const at = (diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line) - offset;
      if (at < 0) continue;
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      // A problem in the appended imports belongs to the block as a whole: report it at the opening fence.
      const line = at < blockLines(block) ? block.line + at : block.line - 1;
      problems.push({ file: block.file, line, message: `TS${diagnostic.code}: ${message}` });
    }
  }
  return { compiled, illustrative: blocks.filter((b) => b.illustrative), problems };
}

/** Reads the Markdown files. */
export function readMarkdown(root: string, files: readonly string[]): Map<string, string> {
  return new Map(files.map((file) => [file, readFileSync(path.join(root, file), 'utf8')]));
}

/**
 * Runs a ```ts run block as a program: transpiled, with `durably…` imports pointing at the build in dist/, piped into
 * `node --input-type=module` in the repository root. Without MONGODB_URI, so that it uses the embedded engine.
 */
export function runBlock(root: string, block: CodeBlock, timeoutMs: number): Promise<{ exitCode: number | null; output: string }> {
  const options = compilerOptions(root);
  const code = rewriteSpecifiers(block.code, (entry) => `./dist/${entry.replace(/\.ts$/, '.js')}`);
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    fileName: `${block.file}-L${block.line}.ts`,
  });
  const env = { ...process.env };
  delete env.MONGODB_URI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const timer = setTimeout(() => { output += `\n(killed after ${timeoutMs} ms)`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode) => { clearTimeout(timer); resolve({ exitCode, output }); });
    child.stdin.end(outputText);
  });
}
