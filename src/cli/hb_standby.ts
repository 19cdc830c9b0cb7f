#!/usr/bin/env node
// The `hb_standby` bin; the logic is in standby-cmd.ts.
import { standbyMain } from './standby-cmd.js';
import { quietOnEpipe } from './epipe.js';

quietOnEpipe();
process.exitCode = await standbyMain('hb_standby', process.argv.slice(2));
