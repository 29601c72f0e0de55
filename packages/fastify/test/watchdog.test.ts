import t from 'tap';
import { Watchdog } from '../src/watchdog.ts';

t.test('a deadline fires once, never early, about a tick late at most; a removed one never fires', async (t) => {
  const dog = new Watchdog(10);
  const started = performance.now();
  const fired: number[] = [];
  await new Promise<void>((resolve) => {
    dog.watch(35, () => {
      fired.push(performance.now() - started);
      resolve();
    });
    const removed = dog.watch(20, () => fired.push(-1));
    dog.remove(removed);
  });
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.equal(fired.length, 1, 'the removed deadline did not fire');
  t.ok((fired[0] as number) >= 35, `not early: ${Math.round(fired[0] as number)} ms for 35`);
  t.equal(dog.size, 0);
});

t.test('the timer stops when nothing is watched, so an idle process can exit', async (t) => {
  const dog = new Watchdog(5);
  const d = dog.watch(1000, () => t.fail('removed'));
  dog.remove(d);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(dog.size, 0, 'nothing left; the next tick stopped the timer (the test process ends on time)');
});
