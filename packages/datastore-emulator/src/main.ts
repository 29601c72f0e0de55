/**
 * Runs the emulator by hand or for the demo:
 * `node --conditions=@gaes/source src/main.ts [port]` (or `pnpm start`), with the port also read
 * from `DATASTORE_EMULATOR_PORT` and the bind address from `DATASTORE_EMULATOR_BIND` (default
 * 127.0.0.1). Prints `DATASTORE_EMULATOR_HOST=host:port` and serves until SIGINT or SIGTERM.
 */
import { DatastoreEmulator } from './emulator.ts';

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`not a port: "${text}"`);
  return port;
}

const port = parsePort(process.argv[2] ?? process.env['DATASTORE_EMULATOR_PORT']);
const host = process.env['DATASTORE_EMULATOR_BIND'] ?? '127.0.0.1';
const emulator = await DatastoreEmulator.start({ host, port });
process.stdout.write(`DATASTORE_EMULATOR_HOST=${emulator.host}\n`);

const stop = (): void => {
  emulator.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
