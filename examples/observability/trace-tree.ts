/** What the tree needs of a finished span (the SDK's `ReadableSpan` has it). */
export interface SpanLike {
  readonly name: string;
  readonly duration: readonly [number, number];
  spanContext(): { readonly spanId: string };
  readonly parentSpanContext?: { readonly spanId: string } | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

const ms = (duration: readonly [number, number]): string => `${(duration[0] * 1_000 + duration[1] / 1e6).toFixed(1)} ms`;

/**
 * Draws spans as a tree, children under their parent in start order: one line per span with its duration and, for
 * an orchestration, its status. Spans whose parent is not among them (a caller's span) are roots.
 */
export function traceTree(spans: readonly SpanLike[]): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string | undefined, SpanLike[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const draw = (span: SpanLike, prefix: string, last: boolean, root: boolean): void => {
    const status = span.attributes['durabletask.task.status'];
    lines.push(`${prefix}${root ? '' : last ? '└─ ' : '├─ '}${span.name} (${ms(span.duration)})${typeof status === 'string' ? ` ${status}` : ''}`);
    const below = children.get(span.spanContext().spanId) ?? [];
    below.forEach((child, i) => draw(child, root ? prefix : `${prefix}${last ? '   ' : '│  '}`, i === below.length - 1, false));
  };
  for (const root of children.get(undefined) ?? []) draw(root, '', true, true);
  return lines.join('\n');
}
