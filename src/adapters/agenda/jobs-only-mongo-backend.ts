import { MongoBackend, type MongoBackendConfig } from '@agendajs/mongo-backend';

/**
 * The MongoDB backend, connected once, without the job-event log, and with an unlock that never rejects.
 *
 * - Agenda's constructor calls `backend.connect()` without awaiting or catching it: a failure there is an unhandled
 *   rejection and `agenda.ready` never settles. Connecting is memoized, and the scheduler awaits it before it
 *   constructs Agenda, whose own call then gets the settled promise.
 * - `MongoBackend.connect()` also prepares Agenda's persistent job log (an `agenda_logs` collection and three
 *   indexes), even when logging is off, as it is here. Only the job repository (the jobs collection and Agenda's
 *   lookup index) is connected.
 * - Agenda 6.2.6's processor calls `unlockJob()` without awaiting or catching it (a job locked beyond the lock limit,
 *   or not due within the next scan): while the database is unreachable, that rejection is unhandled and Node
 *   ends the worker process. Here a failed unlock is reported to `onUnlockError`; the job stays locked until its
 *   lock expires, and then any worker runs it.
 */
export class JobsOnlyMongoBackend extends MongoBackend {
  #connecting: Promise<void> | undefined;

  constructor(config: MongoBackendConfig, onUnlockError: (error: unknown) => void) {
    super(config);
    const repository = this.repository;
    const unlockJob = repository.unlockJob.bind(repository);
    repository.unlockJob = (job) => unlockJob(job).catch(onUnlockError);
  }

  override connect(): Promise<void> {
    this.#connecting ??= this.repository.connect();
    return this.#connecting;
  }
}
