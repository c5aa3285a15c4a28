/** A latch a test opens: activities await `passed()`; `open()` lets every waiter (and later caller) through. */
export class Gate {
  #open!: () => void;
  readonly #opened: Promise<void>;
  #waiting = 0;

  constructor() {
    this.#opened = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
  }

  /** How many callers have reached the gate. */
  get reached(): number {
    return this.#waiting;
  }

  passed(): Promise<void> {
    this.#waiting++;
    return this.#opened;
  }

  open(): void {
    this.#open();
  }
}

/** Gates by name, created on first use: register one instance in a test's container and inject it into activities. */
export class Gates {
  readonly #gates = new Map<string, Gate>();

  get(name: string): Gate {
    let gate = this.#gates.get(name);
    if (gate === undefined) {
      gate = new Gate();
      this.#gates.set(name, gate);
    }
    return gate;
  }

  /** Opens every gate, e.g. in afterAll so that no activity is left waiting. */
  openAll(): void {
    for (const gate of this.#gates.values()) gate.open();
  }
}
