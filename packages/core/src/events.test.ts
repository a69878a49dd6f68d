import { describe, expect, it } from 'vitest';
import type { CoreV1Event } from '@kubernetes/client-node';
import { ManualClock } from './clock.js';
import { createLogger } from './log.js';
import { createEventRecorder, type EventTarget } from './events.js';

/** An in-memory Events endpoint: creates and merge patches, optionally held until released. */
class FakeEvents {
  events = new Map<string, CoreV1Event>();
  calls: string[] = [];
  hold: Promise<void> | undefined;
  failNext: number | undefined;

  createNamespacedEvent = async ({ namespace, body }: { namespace: string; body: CoreV1Event }): Promise<CoreV1Event> => {
    this.calls.push(`create count=${body.count}`);
    await this.hold;
    if (this.#fail()) throw Object.assign(new Error('boom'), { code: this.failNext });
    const key = `${namespace}/${body.metadata?.name}`;
    if (this.events.has(key)) throw Object.assign(new Error('exists'), { code: 409 });
    this.events.set(key, structuredClone(body));
    return body;
  };

  patchNamespacedEvent = async ({ name, namespace, body }: { name: string; namespace: string; body: { count: number; lastTimestamp: Date } }): Promise<CoreV1Event> => {
    this.calls.push(`patch count=${body.count}`);
    await this.hold;
    const ev = this.events.get(`${namespace}/${name}`);
    if (!ev) throw Object.assign(new Error('not found'), { code: 404 });
    Object.assign(ev, body);
    return ev;
  };

  #fail(): boolean {
    if (this.failNext === undefined) return false;
    return true;
  }
}

const svc: EventTarget = { kind: 'Service', apiVersion: 'v1', namespace: 'ns', name: 'web', uid: 'u1' };
const quietLog = createLogger({ component: 'test', level: 'error', destination: { write: () => undefined } });

function setup() {
  const api = new FakeEvents();
  const clock = new ManualClock(1_700_000_000_000);
  const rec = createEventRecorder(api, 'ironlb-controller', 'me', clock, quietLog);
  return { api, clock, rec };
}

describe('createEventRecorder', () => {
  it('N identical occurrences are one Event with count N, its lastTimestamp the latest', async () => {
    const { api, clock, rec } = setup();
    for (let i = 0; i < 5; i++) {
      await rec.record(svc, 'Warning', 'AllocationFailed', 'no IPs');
      clock.advance(1_000);
    }
    expect(api.events.size).toBe(1);
    const ev = [...api.events.values()][0]!;
    expect(ev.count).toBe(5);
    expect(new Date(ev.lastTimestamp!).getTime()).toBe(1_700_000_004_000);
    expect(new Date(ev.firstTimestamp!).getTime()).toBe(1_700_000_000_000);
    expect(api.calls).toEqual(['create count=1', 'patch count=2', 'patch count=3', 'patch count=4', 'patch count=5']);
  });

  it('folds occurrences that arrive while a write is on the wire into the next write', async () => {
    const { api, rec } = setup();
    let release!: () => void;
    api.hold = new Promise((r) => (release = r));
    const all = Array.from({ length: 10 }, () => rec.record(svc, 'Warning', 'AllocationFailed', 'no IPs'));
    release();
    await Promise.all(all);
    expect(api.calls).toEqual(['create count=1', 'patch count=10']);
    expect([...api.events.values()][0]!.count).toBe(10);
  });

  it('different messages are different Events', async () => {
    const { api, rec } = setup();
    await rec.record(svc, 'Warning', 'AllocationFailed', 'a');
    await rec.record(svc, 'Warning', 'AllocationFailed', 'b');
    await rec.record(svc, 'Normal', 'IPAllocated', 'a');
    expect(api.events.size).toBe(3);
  });

  it('re-creates an Event that expired from etcd, carrying the count', async () => {
    const { api, rec } = setup();
    await rec.record(svc, 'Warning', 'F', 'm');
    api.events.clear();
    await rec.record(svc, 'Warning', 'F', 'm');
    expect(api.calls).toEqual(['create count=1', 'patch count=2', 'create count=2']);
    expect([...api.events.values()][0]!.count).toBe(2);
  });

  it('never rejects; a failed write is retried by the next occurrence', async () => {
    const { api, rec } = setup();
    api.failNext = 500;
    await rec.record(svc, 'Warning', 'F', 'm');
    expect(api.events.size).toBe(0);
    api.failNext = undefined;
    await rec.record(svc, 'Warning', 'F', 'm');
    expect([...api.events.values()].map((e) => e.count)).toEqual([2]);
  });
});
