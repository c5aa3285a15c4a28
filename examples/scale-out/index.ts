import type { ExampleModule } from '../shared/example-module.js';
import { ImageResizer, ProcessUpload, ResizeImage } from './process-upload.js';

/** The scale-out example's workflow, for the example service (which runs it in its single process). */
export const scaleOutExample: ExampleModule = {
  name: 'scale-out',
  orchestrators: [ProcessUpload],
  activities: [ResizeImage],
  registerServices: (container) => container.registerInstance(ImageResizer, new ImageResizer()),
};
