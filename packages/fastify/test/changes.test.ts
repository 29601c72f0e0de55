import t from 'tap';
import { ChangeLevel, ChangeSet } from '../src/changes.ts';

t.test('a change set replays only the keys a request changed onto a newer copy', async (t) => {
  const changes = new ChangeSet();
  const mine: Record<string, unknown> = { a: 1, b: 'mine', keep: 'old' };
  changes.touch('b', ChangeLevel.quick);
  delete mine['keep'];
  changes.touch('keep', ChangeLevel.durable);
  changes.touch('never-there', ChangeLevel.durable);
  t.equal(changes.level, ChangeLevel.durable, 'the highest level wins');
  const latest = { a: 2, b: 'theirs', keep: 'theirs', c: 3 };
  t.same(changes.applyTo(latest, mine), { a: 2, b: 'mine', c: 3 }, 'untouched keys keep the newer value; set and deleted keys follow this request');
  t.notOk(Object.hasOwn(changes.applyTo(latest, mine), 'keep'), 'a deleted key is gone, not set to undefined');
  t.same(latest, { a: 2, b: 'theirs', keep: 'theirs', c: 3 }, 'the newer copy is not mutated');
});

t.test('a cleared session replays as cleared, plus what was set after the clear', async (t) => {
  const changes = new ChangeSet();
  changes.touch('gone', ChangeLevel.quick);
  changes.clear();
  changes.touch('x', ChangeLevel.durable);
  t.ok(changes.cleared);
  t.same([...changes.keys], ['x']);
  t.same(changes.applyTo({ a: 1, gone: 2 }, { x: 9 }), { x: 9 });
});

t.test('levels only rise; reset forgets everything', async (t) => {
  const changes = new ChangeSet();
  changes.raise(ChangeLevel.durable);
  changes.touch('a', ChangeLevel.quick);
  t.equal(changes.level, ChangeLevel.durable);
  changes.reset();
  t.equal(changes.level, ChangeLevel.none);
  t.notOk(changes.cleared);
  t.equal(changes.keys.size, 0);
});

t.test('a key named __proto__ stays data through a merge', async (t) => {
  const changes = new ChangeSet();
  const mine = {};
  Object.defineProperty(mine, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  changes.touch('__proto__', ChangeLevel.durable);
  const merged = changes.applyTo({ a: 1 }, mine);
  t.equal(Object.getPrototypeOf(merged), Object.prototype, 'no prototype was set');
  t.same(Object.keys(merged).sort(), ['__proto__', 'a']);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
});
