import { payloadSize } from '../core/codec.js';
import type { HistoryEvent } from './history-event.js';

/**
 * The size of one history event as Durably counts it for `historySizeBytes` (`ctx` and status alike): the UTF-8 bytes
 * of its JSON text (`JSON.stringify`: dates as ISO strings, absent fields left out). A function of the event alone,
 * so a replay counts exactly what the first run counted.
 */
export function historyEventBytes(event: HistoryEvent): number {
  return payloadSize(JSON.stringify(event));
}
