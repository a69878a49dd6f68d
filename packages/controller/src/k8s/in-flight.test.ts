import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InFlight', () => {
  it('drains only once every tracked call settled, failures included', async () => {
    const f = new InFlight();
    const a = deferred();
    const b = deferred();
    const pa = f.run(() => a.promise);
    const pb = f.run(() => b.promise);
    pb.catch(() => undefined);
    expect(f.size).toBe(2);
    let drained = false;
    const d = f.drain().then(() => (drained = true));
    a.resolve();
    await pa;
    await Promise.resolve();
    expect(drained).toBe(false);
    b.reject(new Error('409'));
    await d;
    expect(drained).toBe(true);
    expect(f.size).toBe(0);
  });

  it('waits for work started while draining', async () => {
    const f = new InFlight();
    const a = deferred();
    const late = deferred();
    f.run(() => a.promise.then(() => void f.run(() => late.promise)));
    let drained = false;
    const d = f.drain().then(() => (drained = true));
    a.resolve();
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    late.resolve();
    await d;
    expect(drained).toBe(true);
  });

  it('resolves at once when idle', async () => {
    await new InFlight().drain();
  });
});
