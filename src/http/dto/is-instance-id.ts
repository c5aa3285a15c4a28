import { ValidateBy, type ValidationOptions } from 'class-validator';
import { instanceIdProblem } from '../../core/instance-id.js';

/**
 * Validates a new instance ID by the very rule the client applies (`instanceIdProblem`): what the router accepts, the
 * client accepts too, and the `400` names the rule broken.
 */
export function IsInstanceId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({
    name: 'isInstanceId',
    validator: {
      validate: (value: unknown) => instanceIdProblem(value) === undefined,
      defaultMessage: (args) => `$property is not a valid instance ID: ${instanceIdProblem(args?.value) ?? 'unknown reason'}`,
    },
  }, options);
}
