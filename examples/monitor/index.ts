import type { ExampleModule } from '../shared/example-module.js';
import { GetJobStatus, MonitorJobStatus, SendJobAlert } from './monitor-job-status.js';
import { JobService, Pager } from './monitor-services.js';

/** The monitor, for the example service. */
export const monitorExample: ExampleModule = {
  name: 'monitor',
  orchestrators: [MonitorJobStatus],
  activities: [GetJobStatus, SendJobAlert],
  registerServices: (container, log, counters) => {
    container.registerInstance(JobService, new JobService(log, counters));
    container.registerInstance(Pager, new Pager(log));
  },
};
