import { DurableError } from '../durable-error.js';

/**
 * `adminRouter(options)` was called with options that cannot be served safely: neither `authorize` nor
 * `auth: 'none'`, both, or an invalid value. Thrown when the router is created (at mount time), never per request.
 * Code `ADMIN_ROUTER_CONFIGURATION`.
 */
export class AdminRouterConfigurationError extends DurableError {
  constructor(message: string) {
    super('ADMIN_ROUTER_CONFIGURATION', message);
  }
}
