/** Waits `ms` milliseconds: the in-memory stand-ins take a moment, as calls to real services do. */
export function networkDelay(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
