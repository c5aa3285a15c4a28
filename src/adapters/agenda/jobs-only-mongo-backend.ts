import { MongoBackend } from '@agendajs/mongo-backend';

/**
 * The MongoDB backend, connected once, without the job-event log.
 *
 * - Agenda's constructor calls `backend.connect()` without awaiting or catching it: a failure there is an unhandled
 *   rejection and `agenda.ready` never settles. Connecting is memoized, and the scheduler awaits it before it
 *   constructs Agenda, whose own call then gets the settled promise.
 * - `MongoBackend.connect()` also prepares Agenda's persistent job log (an `agenda_logs` collection and three
 *   indexes), even when logging is off, as it is here. Only the job repository (the jobs collection and Agenda's
 *   lookup index) is connected.
 */
export class JobsOnlyMongoBackend extends MongoBackend {
  #connecting: Promise<void> | undefined;

  override connect(): Promise<void> {
    this.#connecting ??= this.repository.connect();
    return this.#connecting;
  }
}
