import { IsOptional, MaxLength } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';

/**
 * The query parameters every route accepts: Durable Functions puts `taskHub` and `connection` into its management
 * URLs, so clients replaying those URLs send them. Durably serves one task hub per router: they are accepted and
 * ignored.
 */
export class InstanceScopeQuery {
  @QueryParameter() @IsOptional() @MaxLength(256)
  readonly taskHub?: string;

  @QueryParameter() @IsOptional() @MaxLength(256)
  readonly connection?: string;
}
