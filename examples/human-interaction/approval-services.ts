import { networkDelay } from '../shared/network-delay.js';
import { InMemoryStandInCounters, type StandInCounters } from '../shared/stand-in-counters.js';

/** An e-mail. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
}

/** Sends e-mail. In-memory stand-in: keeps what it sent. Register your real mail client under this class. */
export class Mailer {
  readonly outbox: Mail[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Sends one mail. */
  async send(mail: Mail): Promise<void> {
    await networkDelay();
    this.outbox.push(mail);
    this.log(`[mailer] to ${mail.to}: ${mail.subject}`);
  }
}

/**
 * Pays people. Stand-in that moves no money: it numbers each payout from `counters` (`pay-0001`, `pay-0002`, … — in
 * the example service the numbers carry on after a restart) and keeps this process's payouts in `payouts`. Register
 * your real payment API under this class.
 */
export class PaymentGateway {
  /** The payouts made by this process. */
  readonly payouts: { readonly payee: string; readonly amount: number; readonly paymentId: string }[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined, private readonly counters: StandInCounters = new InMemoryStandInCounters()) {}

  /** Pays `amount` euros to `payee`; returns the payment's ID. */
  async pay(payee: string, amount: number): Promise<string> {
    await networkDelay();
    const paymentId = `pay-${String(await this.counters.next('payments')).padStart(4, '0')}`;
    this.payouts.push({ payee, amount, paymentId });
    this.log(`[payments] ${paymentId}: €${amount} to ${payee}`);
    return paymentId;
  }
}
