/**
 * Process-level guards for the CLI. A reader that closes the pipe early (`| head -c 200`)
 * makes the next stdout write fail with EPIPE; that is a normal end, not an error. And
 * the wasm backend's Emscripten glue installs an uncaught-exception hook that rethrows,
 * printing ~30 KB of its minified source: those hooks are replaced by ours, which print
 * one line (never a stack or bundled source).
 */

/** Ends the process quietly (exit 0) when stdout's reader has gone. */
export function onClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** Keeps `report` the only handler of uncaught errors, also after a backend added its own. */
export function oneLineErrors(report: (e: unknown) => void): void {
  const onError = (e: unknown): void => {
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') process.exit(0);
    report(e);
    process.exit(process.exitCode ?? 1);
  };
  const onRejection = (e: unknown): void => report(e);
  let installing = false;
  const install = (): void => {
    installing = true;
    process.removeAllListeners('uncaughtException');
    process.removeAllListeners('unhandledRejection');
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onRejection);
    installing = false;
  };
  install();
  // Emscripten adds its hooks when the wasm module starts (during the first command's load).
  process.on('newListener', (event, listener) => {
    if (installing || listener === onError || listener === onRejection) return;
    if (event === 'uncaughtException' || event === 'unhandledRejection') setImmediate(install);
  });
}
