import { randomBytes } from 'node:crypto';

/** The shape of the OpenTelemetry SDK's `IdGenerator` (the SDK's `idGenerator` option), without depending on the SDK. */
export interface SpanIdGenerator {
  /** A random 32-hex-character trace ID. */
  generateTraceId(): string;
  /** A random 16-hex-character span ID. */
  generateSpanId(): string;
}

// The span ID the next generateSpanId() call hands out (set only around one synchronous startSpan call).
let nextSpanId: string | undefined;

const randomHex = (bytes: number): string => {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
};

/**
 * An ID generator for the OpenTelemetry SDK that lets Durably give an orchestration's span the ID it recorded in
 * history when the span has to be emitted by another process than the one that started it (the first worker died or
 * lost the instance): without it, that span gets a new ID and the spans of the work done before the takeover point to
 * a parent no trace view can show. Random IDs otherwise (or the wrapped generator's).
 *
 * @example
 * ```ts
 * import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
 * import { DurablyIdGenerator } from 'durably';
 * const provider = new BasicTracerProvider({ idGenerator: new DurablyIdGenerator() });
 * ```
 */
export class DurablyIdGenerator implements SpanIdGenerator {
  /** @param inner - The generator to use for every other ID (e.g. the AWS X-Ray one). Default: random. */
  constructor(private readonly inner?: SpanIdGenerator) {}

  generateTraceId(): string {
    return this.inner?.generateTraceId() ?? randomHex(16);
  }

  generateSpanId(): string {
    const forced = nextSpanId;
    if (forced !== undefined) {
      nextSpanId = undefined;
      return forced;
    }
    return this.inner?.generateSpanId() ?? randomHex(8);
  }
}

/**
 * Runs `start` (one synchronous `tracer.startSpan`) so that the span it starts gets `spanId`, when the registered SDK
 * uses a {@link DurablyIdGenerator}; otherwise the span gets whatever ID the SDK picks.
 */
export function withNextSpanId<T>(spanId: string, start: () => T): T {
  nextSpanId = spanId;
  try {
    return start();
  } finally {
    nextSpanId = undefined;
  }
}
