/** A `curl` command line from the service's banner, parsed into what fetch needs. */
export interface CurlCommand {
  readonly line: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What a command answered. */
export interface CurlResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body, or undefined when it is empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read loosely typed JSON payloads
  readonly json: any;
}

/**
 * Splits a shell command line into words as a POSIX shell does for what the banner prints: single quotes keep
 * everything, double quotes keep everything but a backslash before `$`, a backtick, `"` or a backslash, and adjacent
 * quoted parts join (the banner writes a key holding `'` as `'a'\''b'`). Variables are not expanded.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && '$`"\\'.includes(line[i + 1] ?? '')) i++;
        word += line[i];
      }
      if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Parses `curl [-i] [-X METHOD] 'URL' [-H 'Name: value']... [-d 'body']`; throws on anything else. */
export function parseCurl(line: string): CurlCommand {
  const words = shellWords(line.trim());
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${line}`);
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '-i') continue;
    if (word === '-X') method = words[++i];
    else if (word === '-H') {
      const [name = '', ...value] = (words[++i] ?? '').split(':');
      headers[name.trim()] = value.join(':').trim();
    } else if (word === '-d') body = words[++i];
    else if (/^https?:\/\//.test(word) && url === undefined) url = word;
    else throw new Error(`unexpected word '${word}' in: ${line}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${line}`);
  return { line, method: method ?? (body === undefined ? 'GET' : 'POST'), url, headers, ...(body === undefined ? {} : { body }) };
}

/** Runs a parsed command with fetch. */
export async function runCurl(command: CurlCommand): Promise<CurlResult> {
  const response = await fetch(command.url, { method: command.method, headers: command.headers, ...(command.body === undefined ? {} : { body: command.body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Runs `command` every 100 ms until `done(result)` holds; returns the last result (the caller asserts on it). */
export async function runCurlUntil(command: CurlCommand, done: (result: CurlResult) => boolean, timeoutMs = 30_000): Promise<CurlResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await runCurl(command);
    if (done(result) || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
