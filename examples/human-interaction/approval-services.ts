import { networkDelay } from '../shared/network-delay.js';

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

/** Pays people. In-memory stand-in: records payouts and numbers them. Register your real payment API under this class. */
export class PaymentGateway {
  readonly payouts: { readonly payee: string; readonly amount: number; readonly paymentId: string }[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Pays `amount` euros to `payee`; returns the payment's ID. */
  async pay(payee: string, amount: number): Promise<string> {
    await networkDelay();
    const paymentId = `pay-${String(this.payouts.length + 1).padStart(4, '0')}`;
    this.payouts.push({ payee, amount, paymentId });
    this.log(`[payments] ${paymentId}: €${amount} to ${payee}`);
    return paymentId;
  }
}
