import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { BlobStorage, FileShare } from './storage.js';

/** The directory backed up when the orchestration gets no input. */
export const DEFAULT_DIRECTORY = '/var/www/site';

/** What a backup produced. */
export interface BackupReport {
  readonly directory: string;
  readonly files: number;
  readonly totalBytes: number;
  /** The blob holding the backup's manifest. */
  readonly manifest: string;
}

/** F1: lists the files to back up. */
@Activity()
export class GetFileList {
  constructor(private readonly share: FileShare) {}

  run(directory: string): Promise<string[]> {
    return this.share.list(directory);
  }
}

/** F2, once per file and in parallel: copies one file to blob storage and returns its size. */
@Activity()
export class CopyFileToBlob {
  constructor(private readonly share: FileShare, private readonly blobs: BlobStorage) {}

  async run(file: string): Promise<number> {
    const bytes = await this.share.size(file);
    await this.blobs.upload(`backups${file}`, bytes);
    return bytes;
  }
}

/** F3: records the aggregated result. */
@Activity()
export class WriteBackupManifest {
  constructor(private readonly blobs: BlobStorage) {}

  async run(summary: { directory: string; files: number; totalBytes: number }): Promise<string> {
    const name = `backups${summary.directory}/manifest.json`;
    await this.blobs.upload(name, JSON.stringify(summary).length);
    return name;
  }
}

/**
 * Fan-out/fan-in (Durable Functions' BackupSiteContent, E2): lists the files, copies them all at once, waits for
 * every copy, then adds up their sizes. Each finished copy is recorded: after a restart only the missing ones run.
 */
@Orchestrator()
export class BackupSiteContent {
  async run(ctx: OrchestrationContext<string | undefined>): Promise<BackupReport> {
    const directory = ctx.input ?? DEFAULT_DIRECTORY;
    const files = await ctx.callActivity(GetFileList, directory);

    // Fan out: every copy is scheduled before any is awaited.
    const copies = files.map((file) => ctx.callActivity(CopyFileToBlob, file));
    // Fan in: whenAll resolves once every copy completed (and fails if one failed).
    const sizes = await ctx.whenAll(copies);

    const totalBytes = sizes.reduce((sum, bytes) => sum + bytes, 0);
    const manifest = await ctx.callActivity(WriteBackupManifest, { directory, files: files.length, totalBytes });
    return { directory, files: files.length, totalBytes, manifest };
  }
}
