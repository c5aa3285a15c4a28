import type { Agenda } from 'agenda';
import { ObjectId } from '@agendajs/mongo-backend';

/** A job document as stored in `<taskHub>.jobs`. */
export type AgendaJobDocument = Record<string, unknown> & { readonly _id: ObjectId };

// The fields Agenda's saveJob stores as null when a job has none.
const AGENDA_NULL_FIELDS = {
  lockedAt: null, lastFinishedAt: null, failedAt: null, failCount: null, failReason: null, repeatTimezone: null, lastRunAt: null,
  repeatInterval: null, repeatAt: null, disabled: null, progress: null, debounceStartedAt: null, fork: null, startDate: null,
  endDate: null, skipDays: null,
};

/**
 * A new job document as Agenda writes it (`agenda.create(name, data).schedule(runAt).save()`), with a fresh `_id`
 * and `lastModifiedBy` = `owner`; with `lockedHere`, as it is once that worker has locked and started it.
 */
export function newAgendaJobDocument(agenda: Agenda, name: string, data: object, runAt: Date, owner: string, lockedHere: boolean): AgendaJobDocument {
  const attrs = agenda.create(name, data).schedule(runAt).toJson(true);
  return {
    ...AGENDA_NULL_FIELDS,
    ...attrs,
    _id: new ObjectId(),
    lastModifiedBy: owner,
    ...(lockedHere ? { lockedAt: runAt, lastRunAt: runAt } : {}),
  };
}

/** The fields that mark a job finished (and retired under `finishedName`), with the failure that ended it, if any. */
export function finishedFields(finishedName: string, now: Date, failure?: unknown): Record<string, unknown> {
  const failed = failure === undefined ? {} : { failedAt: now, failReason: failureReason(failure), failCount: 1 };
  return { name: finishedName, lockedAt: null, nextRunAt: null, lastFinishedAt: now, ...failed };
}

/** The `failReason` stored for a failure. */
export function failureReason(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
