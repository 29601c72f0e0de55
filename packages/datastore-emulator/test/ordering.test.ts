import t from 'tap';
import { compareUtf8 } from '../src/compare.ts';
import { decodeCursor, encodeCursor } from '../src/cursor.ts';
import { compareKeys } from '../src/keys.ts';
import type { Key, Value } from '../src/messages.ts';
import { compareValues } from '../src/values.ts';

const key = (...path: (string | number)[]): Key => {
  const elements = [];
  for (let i = 0; i < path.length; i += 2) {
    const id = path[i + 1];
    elements.push(typeof id === 'number' ? { kind: String(path[i]), id: String(id) } : id === undefined ? { kind: String(path[i]) } : { kind: String(path[i]), name: id });
  }
  return { path: elements };
};

t.test('strings compare as UTF-8 bytes', async (t) => {
  t.ok(compareUtf8('1763999999~zz', '1764000000~') < 0);
  t.ok(compareUtf8('1764000000~', '1764000000~a') < 0);
  t.ok(compareUtf8('1764000000~a', '1764000001') < 0, "'~' (0x7e) sorts after digits");
  t.ok(compareUtf8('\uffff', '\u{10000}') < 0, 'astral code points after the BMP, unlike UTF-16 order');
  t.equal(compareUtf8('same', 'same'), 0);
});

t.test('keys: kind, then ids before names, ids numerically, ancestors first', async (t) => {
  const sorted = [key('A', 2), key('A', 10), key('A', 'a'), key('A', 'a', 'B', 1), key('A', 'b'), key('B', 1)];
  const shuffled = [sorted[3], sorted[5], sorted[0], sorted[4], sorted[2], sorted[1]] as Key[];
  t.same(shuffled.sort(compareKeys), sorted);
  t.ok(compareKeys({ ...key('A', 1), partitionId: { namespaceId: 'b' } }, { ...key('A', 1), partitionId: { namespaceId: 'a' } }) > 0);
  t.ok(compareKeys(key('A'), key('A', 1)) < 0, 'an incomplete element sorts first');
});

t.test('values: null < numbers < timestamps < booleans < strings < blobs < keys', async (t) => {
  const ordered: Value[] = [
    { nullValue: 'NULL_VALUE' },
    { doubleValue: Number.NaN },
    { integerValue: '-5' },
    { doubleValue: 2.5 },
    { integerValue: '3' },
    { integerValue: '9007199254740993' },
    { timestampValue: { seconds: '0', nanos: 0 } },
    { timestampValue: { seconds: '0', nanos: 5 } },
    { booleanValue: false },
    { booleanValue: true },
    { stringValue: '' },
    { stringValue: 'a' },
    { blobValue: Buffer.from([0]) },
    { keyValue: key('A', 1) },
  ];
  const reversed = [...ordered].reverse().sort(compareValues);
  t.same(reversed, ordered);
  t.equal(compareValues({ integerValue: '3' }, { doubleValue: 3 }), 0, 'integers and doubles compare by value');
});

t.test('cursors round-trip positions, blobs included', async (t) => {
  const position: Value[] = [{ blobValue: Buffer.from([1, 2, 3]) }, { keyValue: key('A', 'x') }, { integerValue: '7' }];
  const decoded = decodeCursor(encodeCursor(position));
  t.same(decoded, position);
  t.ok(Buffer.isBuffer(decoded[0]?.blobValue));
  t.throws(() => decodeCursor(Buffer.from('garbage')));
});
