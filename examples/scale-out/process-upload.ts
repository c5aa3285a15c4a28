import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { networkDelay } from '../shared/network-delay.js';

/** One resized image, and which worker process made it. */
export interface Thumbnail {
  readonly url: string;
  readonly width: number;
  /** The process ID of the worker that ran the activity. */
  readonly workerPid: number;
}

/** The widths every upload is resized to. */
export const WIDTHS: readonly number[] = [160, 640, 1280];

/**
 * Resizes images. In-memory stand-in that takes a little CPU-free time per image and makes up the result's URL;
 * register your real image service under this class.
 */
export class ImageResizer {
  /** Resizes `image` to `width` pixels; returns the resized image's URL. */
  async resize(image: string, width: number): Promise<string> {
    await networkDelay(20);
    return `https://cdn.example.com/${width}w/${encodeURIComponent(image)}`;
  }
}

/** Resizes one image to one width, on whichever worker picks the activity up. */
@Activity()
export class ResizeImage {
  constructor(private readonly resizer: ImageResizer) {}

  async run(input: { image: string; width: number }): Promise<Thumbnail> {
    const url = await this.resizer.resize(input.image, input.width);
    return { url, width: input.width, workerPid: process.pid };
  }
}

/** Makes the thumbnails of an uploaded image, all widths at once. */
@Orchestrator()
export class ProcessUpload {
  async run(ctx: OrchestrationContext<string>): Promise<Thumbnail[]> {
    return ctx.whenAll(WIDTHS.map((width) => ctx.callActivity(ResizeImage, { image: ctx.input, width })));
  }
}
