/**
 * The behaviour version of the replay engine, recorded in every `ExecutionStarted` event. When a future release
 * changes how an orchestration replays, it bumps this and keeps the old behaviour for histories started under an
 * older version (Temporal's behaviour flags are the model).
 */
export const ENGINE_VERSION = 2;

/**
 * Engine version 2 records the code's cancellations (TaskCancelRequested, TimerCanceled), so that the runtime aborts a
 * cancelled activity and removes a cancelled timer's job, and the attempt number and heartbeat details of a retried
 * activity in its TaskScheduled. Executions started under version 1 cancel in memory only and record neither.
 */
export const RECORDS_CANCELLATIONS_FROM = 2;
