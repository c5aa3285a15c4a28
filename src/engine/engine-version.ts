/**
 * The behaviour version of the replay engine, recorded in every `ExecutionStarted` event. When a future release
 * changes how an orchestration replays, it bumps this and keeps the old behaviour for histories started under an
 * older version (Temporal's behaviour flags are the model).
 */
export const ENGINE_VERSION = 1;
