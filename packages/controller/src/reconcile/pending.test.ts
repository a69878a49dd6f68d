// PendingServices: who gets another try, and when (issue 8, input 2).
import { describe, expect, it } from 'vitest';
import { PendingServices } from './pending.js';

describe('PendingServices', () => {
  it("a sharing Service's identity change retries the waiters of its key (old and new), nobody else", () => {
    const p = new PendingServices();
    expect(p.note('n/tcp', undefined, { sharingKey: 'dns', identity: '|TCP/53' })).toEqual(['dns']);
    p.note('n/udp', { sharingKey: 'dns' }, { sharingKey: 'dns', identity: 'app=dns|UDP/53' });
    p.note('n/other', { sharingKey: 'web' }, { sharingKey: 'web', identity: '|TCP/80' });
    p.note('n/plain', { sharingKey: '' }, undefined);
    // Reconciled again unchanged: nothing to retry.
    expect(p.note('n/tcp', undefined, { sharingKey: 'dns', identity: '|TCP/53' })).toEqual([]);
    // Turned Local: its waiters get a try.
    const keys = p.note('n/tcp', undefined, { sharingKey: 'dns', identity: 'app=dns|TCP/53' });
    expect(keys).toEqual(['dns']);
    expect(p.waiters(new Set(keys))).toEqual(['n/udp']);
    // A key change retries both groups.
    expect(p.note('n/tcp', undefined, { sharingKey: 'web', identity: 'app=dns|TCP/53' }).sort()).toEqual(['dns', 'web']);
    expect(p.waiters().sort()).toEqual(['n/other', 'n/plain', 'n/udp']);
    // Gone: its group gets a try too; a waiter that got an address stops waiting.
    expect(p.forget('n/tcp')).toEqual(['web']);
    p.note('n/udp', undefined, { sharingKey: 'dns', identity: 'app=dns|UDP/53' });
    expect(p.waiters().sort()).toEqual(['n/other', 'n/plain']);
  });
});
