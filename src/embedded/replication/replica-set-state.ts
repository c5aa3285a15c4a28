import { ObjectId } from 'bson';

/**
 * The state of the engine's single-node replica set: its name and address, and whether it is primary. It is primary
 * except during a simulated step-down, after which it is elected again with the next term (a new `electionId`).
 */
export class ReplicaSetState {
  readonly electionDates: Date[] = [new Date()];
  #term = 1;
  #stepDownUntil = 0;

  /**
   * @param setName - the replica set's name (`replSetName`).
   * @param me - this member's `host:port`, as it names itself in `hello.me` and `hosts` (set once the port is bound).
   */
  constructor(readonly setName: string, public me = 'localhost:27017') {}

  /** True unless a step-down is in progress. */
  get isPrimary(): boolean {
    if (this.#stepDownUntil === 0) return true;
    if (Date.now() < this.#stepDownUntil) return false;
    // The step-down period is over: the node elects itself again, in a new term.
    this.#stepDownUntil = 0;
    this.#term++;
    this.electionDates.push(new Date());
    return true;
  }

  /** The election term (grows with each election after a step-down). */
  get term(): number {
    void this.isPrimary;
    return this.#term;
  }

  /** `electionId` as mongod forms it: an ObjectId holding the term, so a later election compares greater. */
  get electionId(): ObjectId {
    return new ObjectId(`7fffffff${this.term.toString(16).padStart(16, '0')}`);
  }

  /** The date of the current term's election. */
  get electionDate(): Date {
    void this.isPrimary;
    return this.electionDates[this.electionDates.length - 1] as Date;
  }

  /** Steps down for `ms` milliseconds: not primary (a secondary) until then. */
  stepDown(ms: number): void {
    this.#stepDownUntil = Date.now() + Math.max(1, ms);
  }

  /** Ends a step-down now (the test hook that makes the node primary again at once). */
  stepUp(): void {
    if (this.#stepDownUntil !== 0) this.#stepDownUntil = 1;
  }
}
