/** Where the runtime writes its own log lines. */
export type RuntimeLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string, ...args: unknown[]) => void;

/** Default: warnings and errors on the console. */
export const consoleLogger: RuntimeLogger = (level, message, ...args) => {
  if (level === 'warn') console.warn(`[durably] ${message}`, ...args);
  else if (level === 'error') console.error(`[durably] ${message}`, ...args);
};
