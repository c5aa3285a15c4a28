import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { BackupSiteContent, CopyFileToBlob, DEFAULT_DIRECTORY, GetFileList, WriteBackupManifest, type BackupReport } from './backup-site-content.js';
import { BlobStorage, FileShare } from './storage.js';

/** What the fan-out/fan-in example returns. */
export interface FanOutFanInResult {
  readonly instanceId: string;
  readonly runtimeStatus: string;
  /** The orchestration's output. */
  readonly report: BackupReport;
  /** The blobs written (the copies and the manifest). */
  readonly blobsWritten: number;
  /** The most copies that ran at the same time: more than one, since they were fanned out. */
  readonly maxConcurrentUploads: number;
}

/** Fan-out/fan-in: backs up `directory` with `BackupSiteContent`, copying its files in parallel. */
export async function main(options: ExampleOptions = {}, directory = DEFAULT_DIRECTORY): Promise<FanOutFanInResult> {
  const container = rootContainer.createChildContainer();
  const blobs = new BlobStorage();
  container.registerInstance(FileShare, new FileShare());
  container.registerInstance(BlobStorage, blobs);

  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'FanOutFanIn',
    orchestrators: [BackupSiteContent],
    activities: [GetFileList, CopyFileToBlob, WriteBackupManifest],
    container,
  });
  try {
    await durably.start();
    const instanceId = await durably.client.startNew(BackupSiteContent, { input: directory });
    const status = await durably.client.waitForCompletion(instanceId, { timeoutMs: 30_000 });
    return {
      instanceId,
      runtimeStatus: status.runtimeStatus,
      report: status.output as BackupReport,
      blobsWritten: blobs.blobs.size,
      maxConcurrentUploads: blobs.maxConcurrentUploads,
    };
  } finally {
    await durably.stop();
  }
}

runExample(import.meta.url, () => main(), ({ instanceId, runtimeStatus, report, blobsWritten, maxConcurrentUploads }) => [
  `BackupSiteContent ${instanceId}: ${runtimeStatus}`,
  `  Backed up ${report.files} files from ${report.directory}: ${report.totalBytes} bytes`,
  `  Manifest: ${report.manifest}`,
  `Blobs written: ${blobsWritten}; at most ${maxConcurrentUploads} uploads ran at the same time`,
].join('\n'));
