import { DurableError } from '../durable-error.js';

/**
 * `dashboard(options)` was called with options that cannot be served safely: neither `authorize` nor `auth: 'none'`,
 * both, a missing or invalid `apiBase`, or an unknown option. Thrown when the router is created (at mount time), never
 * per request. Code `DASHBOARD_CONFIGURATION`.
 */
export class DashboardConfigurationError extends DurableError {
  constructor(message: string) {
    super('DASHBOARD_CONFIGURATION', message);
  }
}
