/**
 * gaes reads its cookies from the raw Cookie header: for its own names it must read exactly what the `cookie`
 * package (what @fastify/cookie uses) reads, whatever else the header holds.
 */
import { parseCookie as parseCookies } from 'cookie';
import fc from 'fast-check';
import t from 'tap';
import { cookieValue, sessionCookies } from '../src/cookie-header.ts';
import { checkProperty } from './fuzz-support.ts';

const BASES = ['gaes', 'gaes_'] as const;

t.test('examples', async (t) => {
  t.equal(sessionCookies(undefined, BASES), undefined);
  t.equal(sessionCookies('', BASES), undefined);
  t.equal(sessionCookies('a=1; b=2', BASES), undefined, 'no session cookie: nothing allocated');
  t.same({ ...sessionCookies('a=1; gaes0=x; gaes_0=y; gaes12=z; gaes=no; gaes123=no; xgaes0=no; gaes0=second', BASES) }, { gaes0: 'x', gaes_0: 'y', gaes12: 'z' });
  t.same({ ...sessionCookies(' gaes0 = "quoted" ;gaes1=;gaes2=a%2Db;gaes3=%zz', BASES) }, { gaes0: '"quoted"', gaes1: '', gaes2: 'a-b', gaes3: '%zz' }, 'trimmed, decoded where it can be, like the cookie package');
  t.equal(cookieValue('a=gaes0; gaes0=v', 'gaes0'), 'v', 'a name inside another value is not the name');
  t.equal(cookieValue('xgaes0=1; gaes0 =v2', 'gaes0'), 'v2');
  t.equal(cookieValue('gaes0=1; gaes0=2', 'gaes0'), '1', 'the first occurrence');
  t.equal(cookieValue('gaes00=1', 'gaes0'), undefined);
  t.equal(cookieValue(undefined, 'gaes0'), undefined);
});

const name = fc.oneof(
  fc.constantFrom('gaes0', 'gaes1', 'gaes_0', 'gaes_1', 'gaes10', 'gaes', 'gaes_', 'xgaes0', 'gaes0x', 'a', 'gaes00', 'gaes_12'),
  fc.stringMatching(/^[A-Za-z0-9_!#$%&'*+.^`|~-]{1,8}$/),
);
const value = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{0,20}$/), fc.stringMatching(/^"[A-Za-z0-9_-]{0,10}"$/), fc.stringMatching(/^[A-Za-z0-9%]{0,12}$/));
const separator = fc.constantFrom('; ', ';', ' ; ', ';\t');

t.test('for gaes names, the same reading as the cookie package', async (t) => {
  await checkProperty(
    t,
    fc.property(fc.array(fc.tuple(name, fc.constantFrom('=', ' = ', '= '), value), { maxLength: 12 }), separator, (pairs, sep) => {
      const header = pairs.map(([n, eq, v]) => `${n}${eq}${v}`).join(sep);
      const reference = parseCookies(header) as Record<string, string | undefined>;
      const ours = sessionCookies(header, BASES) ?? {};
      for (const key of Object.keys(reference)) {
        // The names a reader asks for: `gaes0`…`gaes99` and `gaes_0`…, without a leading zero.
        if (!/^gaes_?(\d|[1-9]\d)$/.test(key)) continue;
        if (ours[key] !== reference[key]) throw new Error(`${key}: ${String(ours[key])} vs ${String(reference[key])} in ${JSON.stringify(header)}`);
        if (cookieValue(header, key) !== reference[key]) throw new Error(`cookieValue(${key}) in ${JSON.stringify(header)}`);
      }
      for (const key of Object.keys(ours)) if (reference[key] === undefined) throw new Error(`read ${key} that the cookie package does not see`);
    }),
    3000,
  );
});
