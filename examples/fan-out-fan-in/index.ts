import type { ExampleModule } from '../shared/example-module.js';
import { BackupSiteContent, CopyFileToBlob, GetFileList, WriteBackupManifest } from './backup-site-content.js';
import { BlobStorage, FileShare } from './storage.js';

/** Fan-out/fan-in, for the example service. */
export const fanOutFanInExample: ExampleModule = {
  name: 'fan-out-fan-in',
  orchestrators: [BackupSiteContent],
  activities: [GetFileList, CopyFileToBlob, WriteBackupManifest],
  registerServices: (container, log) => {
    container.registerInstance(FileShare, new FileShare());
    container.registerInstance(BlobStorage, new BlobStorage(log));
  },
};
