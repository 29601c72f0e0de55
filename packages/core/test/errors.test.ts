/**
 * Every error gaes throws on purpose: a GaesError with a stable code, the HTTP status a server should answer
 * with, its own class name, and the cause it was given (never an empty one it was not).
 */
import t from 'tap';
import {
  ConfigError,
  DecodeError,
  GaesError,
  SessionStateError,
  SessionTooLargeError,
  StoreRejectedError,
  StoreUnavailableError,
  UnserializableError,
} from '../src/index.ts';

t.test('codes, statuses and names', async (t) => {
  const cases: Array<[GaesError, string, number, string]> = [
    [new ConfigError('m'), 'ERR_GAES_CONFIG', 500, 'ConfigError'],
    [new UnserializableError('m'), 'ERR_GAES_UNSERIALIZABLE', 500, 'UnserializableError'],
    [new DecodeError('m'), 'ERR_GAES_DECODE', 500, 'DecodeError'],
    [new SessionTooLargeError(10, 5), 'ERR_GAES_SESSION_TOO_LARGE', 500, 'SessionTooLargeError'],
    [new StoreUnavailableError('m'), 'ERR_GAES_STORE_UNAVAILABLE', 503, 'StoreUnavailableError'],
    [new StoreRejectedError('m'), 'ERR_GAES_STORE_REJECTED', 500, 'StoreRejectedError'],
    [new SessionStateError('m'), 'ERR_GAES_SESSION_STATE', 500, 'SessionStateError'],
    [new GaesError('ERR_GAES_SOMETHING', 'm'), 'ERR_GAES_SOMETHING', 500, 'GaesError'],
    [new GaesError('ERR_GAES_SOMETHING', 'm', { statusCode: 418 }), 'ERR_GAES_SOMETHING', 418, 'GaesError'],
  ];
  for (const [error, code, statusCode, name] of cases) {
    t.ok(error instanceof GaesError && error instanceof Error, `${name} is a GaesError`);
    t.match(error, { code, statusCode, name }, name);
    t.equal(typeof error.message, 'string');
    t.ok(error.message.length > 0, `${name} says something`);
  }
  t.match(new SessionTooLargeError(10, 5), { sizeBytes: 10, maxBytes: 5 });
});

t.test('a cause is kept when given, and absent when not', async (t) => {
  const cause = new Error('underneath');
  for (const error of [
    new ConfigError('m', { cause }),
    new DecodeError('m', { cause }),
    new StoreUnavailableError('m', { cause }),
    new StoreRejectedError('m', { cause }),
    new GaesError('ERR_GAES_X', 'm', { cause }),
  ]) {
    t.equal(error.cause, cause, `${error.name} keeps its cause`);
  }
  for (const error of [new ConfigError('m'), new StoreUnavailableError('m'), new StoreRejectedError('m')]) {
    t.notOk('cause' in error, `${error.name} without a cause has none`);
  }
  t.equal(new StoreUnavailableError('m', { cause }).statusCode, 503, 'a cause does not change the status');
});
