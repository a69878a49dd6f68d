// IP-family policy edits keep the addresses that stay valid (issue 8, input 3): only the
// family the Service gained or lost changes, from the pool it already uses.
import { describe, expect, it } from 'vitest';
import { Allocator } from './allocator.js';
import type { ServiceView } from './service-view.js';
import { pool, svc } from './test-support/fixtures.js';

const dualPool = pool('dual', { addresses: ['203.0.113.200-203.0.113.203', '2001:db8:20::10-2001:db8:20::13'] });
const other = pool('other', { addresses: ['198.51.100.0/30', '2001:db8:30::/126'] });
const single4: Partial<ServiceView> = { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
const require46: Partial<ServiceView> = { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' };
const prefer46: Partial<ServiceView> = { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' };
const require64: Partial<ServiceView> = { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' };
const single6: Partial<ServiceView> = { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' };

/** A pool holding `filler` at .200 so the Service under test sits at .201, as in the issue. */
function setup(first: Partial<ServiceView>): Allocator {
  const a = new Allocator([dualPool, other]);
  expect(a.allocate(svc('ns/filler'))).toMatchObject({ ok: true, ips: ['203.0.113.200'] });
  expect(a.allocate(svc('ns/x', first))).toMatchObject({ ok: true });
  expect(a.release('ns/filler')).toMatchObject({ held: true, freed: ['203.0.113.200'] });
  return a;
}

describe('allocator: IP-family policy edits', () => {
  it.each([
    // [before, after, ips before, ips after, change]
    ['SingleStack v4 -> RequireDualStack', single4, require46, ['203.0.113.201'], ['203.0.113.201', '2001:db8:20::10'], 'added-family'],
    ['SingleStack v4 -> PreferDualStack', single4, prefer46, ['203.0.113.201'], ['203.0.113.201', '2001:db8:20::10'], 'added-family'],
    ['RequireDualStack -> SingleStack v4', require46, single4, ['203.0.113.201', '2001:db8:20::10'], ['203.0.113.201'], 'dropped-family'],
    ['PreferDualStack -> SingleStack v4', prefer46, single4, ['203.0.113.201', '2001:db8:20::10'], ['203.0.113.201'], 'dropped-family'],
    ['RequireDualStack -> PreferDualStack', require46, prefer46, ['203.0.113.201', '2001:db8:20::10'], ['203.0.113.201', '2001:db8:20::10'], 'kept'],
    ['PreferDualStack -> RequireDualStack', prefer46, require46, ['203.0.113.201', '2001:db8:20::10'], ['203.0.113.201', '2001:db8:20::10'], 'kept'],
    ['RequireDualStack v6 first -> SingleStack v6', require64, single6, ['2001:db8:20::10', '203.0.113.201'], ['2001:db8:20::10'], 'dropped-family'],
  ] as const)('%s keeps the still-valid address', (_name, before, after, ipsBefore, ipsAfter, change) => {
    const a = setup(before);
    expect(a.assignment('ns/x')?.ips).toEqual(ipsBefore);
    const r = a.allocate(svc('ns/x', after));
    expect(r).toMatchObject({ ok: true, pool: 'dual', ips: ipsAfter, change });
    // A dropped address is free again.
    const dropped = ipsBefore.filter((ip) => !(ipsAfter as readonly string[]).includes(ip));
    if (r.ok) expect(r.released).toEqual(dropped);
    const v6s = ipsAfter.filter((ip) => ip.includes(':')).length;
    expect(a.usage('dual')).toMatchObject({ assignedIPv4: BigInt(ipsAfter.length - v6s), assignedIPv6: BigInt(v6s) });
  });

  it('moves as a whole when the held pool has no address of the family RequireDualStack now needs', () => {
    const b = new Allocator([pool('v4only', { addresses: ['203.0.113.200/31'] }), pool('zz-dual', { addresses: ['198.51.100.8/30', '2001:db8:30::/126'] })]);
    expect(b.allocate(svc('ns/x', single4))).toMatchObject({ ok: true, pool: 'v4only', ips: ['203.0.113.200'] });
    expect(b.allocate(svc('ns/x', require46))).toMatchObject({ ok: true, pool: 'zz-dual', change: 'moved', ips: ['198.51.100.8', '2001:db8:30::'], released: ['203.0.113.200'] });
  });

  it('keeps a shared address and joins the group for the family it gains', () => {
    const a = new Allocator([dualPool]);
    const share = (port: number, over: Partial<ServiceView>) => svc(`ns/s${port}`, { ...over, sharingKey: 'k', ports: [{ protocol: 'TCP', port }] });
    expect(a.allocate(share(1, require46))).toMatchObject({ ok: true, ips: ['203.0.113.200', '2001:db8:20::10'] });
    expect(a.allocate(share(2, single4))).toMatchObject({ ok: true, ips: ['203.0.113.200'] });
    expect(a.allocate(share(2, require46))).toMatchObject({ ok: true, ips: ['203.0.113.200', '2001:db8:20::10'], change: 'added-family' });
    expect(a.usage('dual')).toMatchObject({ assignedIPv4: 1n, assignedIPv6: 1n });
  });
});
