import { networkDelay } from '../shared/network-delay.js';

/** The website the example backs up: path → size in bytes. */
const SITE: Readonly<Record<string, number>> = {
  '/var/www/site/index.html': 5_120,
  '/var/www/site/about.html': 3_072,
  '/var/www/site/css/site.css': 8_192,
  '/var/www/site/js/app.js': 40_960,
  '/var/www/site/img/logo.png': 20_480,
  '/var/www/site/img/hero.jpg': 204_800,
  '/var/www/site/docs/guide.pdf': 512_000,
  '/var/www/site/robots.txt': 64,
};

/**
 * The file share the site lives on. In-memory stand-in (a fixed set of files, no disk access); register your real
 * file system or share client under this class.
 */
export class FileShare {
  constructor(private readonly files: Readonly<Record<string, number>> = SITE) {}

  /** Every file under `directory`, sorted. */
  async list(directory: string): Promise<string[]> {
    await networkDelay();
    const prefix = directory.endsWith('/') ? directory : `${directory}/`;
    return Object.keys(this.files).filter((file) => file.startsWith(prefix)).sort();
  }

  /** The size of `file` in bytes. @throws when there is no such file. */
  async size(file: string): Promise<number> {
    await networkDelay();
    const size = this.files[file];
    if (size === undefined) throw new Error(`No such file: ${file}`);
    return size;
  }
}

/**
 * The blob storage backups go to. In-memory stand-in that takes a little while per upload and remembers how many
 * uploads ran at once, so the example can show that the copies ran in parallel.
 */
export class BlobStorage {
  /** Uploaded blob name → size. */
  readonly blobs = new Map<string, number>();
  /** The most uploads that were in progress at the same time. */
  maxConcurrentUploads = 0;
  #uploading = 0;

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Stores `bytes` bytes under `name`. */
  async upload(name: string, bytes: number): Promise<void> {
    this.#uploading++;
    this.maxConcurrentUploads = Math.max(this.maxConcurrentUploads, this.#uploading);
    try {
      await networkDelay(100); // an upload takes a while
      this.blobs.set(name, bytes);
      this.log(`[blob-storage] uploaded ${name} (${bytes} bytes)`);
    } finally {
      this.#uploading--;
    }
  }
}
