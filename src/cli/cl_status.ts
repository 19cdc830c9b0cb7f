#!/usr/bin/env node
// The `cl_status` bin; the logic is in cl-status-cmd.ts.
import { clStatusMain } from './cl-status-cmd.js';
import { quietOnEpipe } from './epipe.js';

quietOnEpipe();
process.exitCode = await clStatusMain(process.argv.slice(2));
