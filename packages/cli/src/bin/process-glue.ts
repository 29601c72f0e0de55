/** How long a finished command waits for stray handles (a credentials lookup still pending) before exiting. */
const GRACE_MS = 2000;

/**
 * Sets the exit code and lets the process end on its own once the output is flushed. A handle left
 * open by a request that was abandoned (e.g. a metadata-server lookup after a timed-out probe) must not
 * keep a finished command alive: the unref'd timer fires only if something else still holds the loop.
 */
export function exitWhenIdle(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), GRACE_MS).unref();
}

/** A reader that went away (`gaes-keys list | head -1`) is not an error of the command. */
export function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
