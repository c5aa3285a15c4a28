/**
 * Entry of a Durably side child (forked by the runner, one per shape): builds the shape's {@link Side} and serves the
 * runner's messages.
 *
 * @module
 */
import { durablySide } from './durably-shapes.js';
import { readSideConfig, serveSide } from './side-protocol.js';

serveSide(durablySide(readSideConfig()));
