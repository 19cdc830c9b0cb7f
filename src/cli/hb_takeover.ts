#!/usr/bin/env node
// The `hb_takeover` bin; the logic is in standby-cmd.ts.
import { standbyMain } from './standby-cmd.js';
import { quietOnEpipe } from './epipe.js';

quietOnEpipe();
process.exitCode = await standbyMain('hb_takeover', process.argv.slice(2));
