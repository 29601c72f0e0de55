import t from 'tap';
import { parseDuration } from '../src/duration.ts';

t.test('durations', async (t) => {
  t.equal(parseDuration(1500), 1500);
  t.equal(parseDuration('90s'), 90_000);
  t.equal(parseDuration('15m'), 900_000);
  t.equal(parseDuration('12h'), 43_200_000);
  t.equal(parseDuration('7d'), 604_800_000);
  t.equal(parseDuration('2w'), 1_209_600_000);
  t.equal(parseDuration('250ms'), 250);
  t.equal(parseDuration('1.5h'), 5_400_000);
  for (const bad of ['', '7', 'd', '7 days', '-1s', '1y', 'NaNs']) {
    t.throws(() => parseDuration(bad), { code: 'ERR_GAES_CONFIG' }, bad);
  }
  t.throws(() => parseDuration(-1), { code: 'ERR_GAES_CONFIG' });
  t.throws(() => parseDuration(Number.POSITIVE_INFINITY), { code: 'ERR_GAES_CONFIG' });
});

t.test('zero, fractions with several digits, and spaces around', async (t) => {
  t.equal(parseDuration(0), 0, 'zero is a duration (e.g. no idle timeout)');
  t.equal(parseDuration('0s'), 0);
  t.equal(parseDuration(1.9), 1, 'whole milliseconds, rounded down');
  t.equal(parseDuration('1.25s'), 1250, 'more than one decimal digit');
  t.equal(parseDuration('0.125s'), 125);
  t.equal(parseDuration(' 2 h '), 7_200_000, 'spaces around the number and the unit');
});
