#!/usr/bin/env node
// The `heartbeat` bin. All logic is in program.ts; this only hands over argv and the exit code.
import { main } from './program.js';
import { quietOnEpipe } from './epipe.js';

quietOnEpipe();
process.exitCode = await main(process.argv.slice(2));
