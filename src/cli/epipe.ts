// A reader that goes away early (`heartbeat --help | head -1`, `cl_status listnodes | grep -q x`)
// must not turn into an unhandled EPIPE stack trace: what is left to print has nowhere to go, and
// the command still ends with its own exit code. A daemon in the foreground whose terminal closed
// keeps running on its logfile.
export function quietOnEpipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}
