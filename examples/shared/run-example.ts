import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the script Node.js was started with (`node dist/examples/x/main.js`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * The command-line entry of an example: when `moduleUrl` is the script being run, runs `main()`, prints
 * `describe(result)`, and sets exit code 1 on failure. Imported by a test or another module, it does nothing.
 *
 * The process is left to exit on its own once `main()` has stopped everything: an example that hangs here has
 * leaked a handle, which is a bug worth seeing.
 */
export function runExample<T>(moduleUrl: string, main: () => Promise<T>, describe: (result: T) => string): void {
  if (!isEntryPoint(moduleUrl)) return;
  main().then(
    (result) => {
      process.stdout.write(`${describe(result)}\n`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

/** Polls `check` every `intervalMs` until it returns a value other than `undefined`; throws after `timeoutMs`. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
