import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCreateLock } from './cluster.js';
import { sleep } from './exec.js';

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.IRONLB_CLUSTERS_DIR;
  process.env.IRONLB_CLUSTERS_DIR = mkdtempSync(join(tmpdir(), 'ironlb-lock-'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.IRONLB_CLUSTERS_DIR;
  else process.env.IRONLB_CLUSTERS_DIR = saved;
});

describe('withCreateLock', () => {
  it('runs two callers one after the other, never both at once', async () => {
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} in`);
      await sleep(150);
      events.push(`${name} out`);
      return name;
    };
    expect(await Promise.all([withCreateLock(job('a')), withCreateLock(job('b'))])).toEqual(['a', 'b']);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('releases the lock when the caller throws', async () => {
    await expect(withCreateLock(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withCreateLock(() => Promise.resolve('next'))).toBe('next');
  });

  it('takes over a lock whose holder died, and times out on a live holder', async () => {
    writeFileSync(join(process.env.IRONLB_CLUSTERS_DIR!, '.create.lock'), '2147483646');
    expect(await withCreateLock(() => Promise.resolve('taken over'))).toBe('taken over');
    writeFileSync(join(process.env.IRONLB_CLUSTERS_DIR!, '.create.lock'), String(process.pid));
    await expect(withCreateLock(() => Promise.resolve('never'), 300)).rejects.toThrow(`process ${process.pid} holds`);
  });
});
