/**
 * Entry of a DBOS side child (forked by the runner, one per shape): builds the shape's {@link Side} and serves the
 * runner's messages.
 *
 * @module
 */
import { dbosSide } from './dbos-shapes.js';
import { readSideConfig, serveSide } from './side-protocol.js';

serveSide(dbosSide(readSideConfig()));
