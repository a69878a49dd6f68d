// Direct checks of the allocator's queries and guards (the step tables cover behaviour).
import { describe, expect, it } from 'vitest';
import { Allocator } from './allocator.js';
import type { ServiceView } from './service-view.js';
import { pool, svc } from './test-support/fixtures.js';


const tcp = (port: number) => [{ protocol: 'TCP', port }];
const dual = (): Partial<ServiceView> => ({ ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });

describe('Allocator queries', () => {
  it('usage counts per family, avoidBuggyIPs excluded, huge IPv6 pools as bigint', () => {
    const a = new Allocator([pool('big', { addresses: ['10.0.0.0/24', '2001:db8::/64', '10.0.1.0/30'], avoidBuggyIPs: true })]);
    expect(a.usage('big')).toEqual({ pool: 'big', totalIPv4: 257n, totalIPv6: 1n << 64n, assignedIPv4: 0n, assignedIPv6: 0n, availableIPv4: 257n, availableIPv6: 1n << 64n });
    a.allocate(svc('u/1', dual()));
    a.allocate(svc('u/2', { sharingKey: 'k', ports: tcp(1) }));
    a.allocate(svc('u/3', { sharingKey: 'k', ports: tcp(2) }));
    expect(a.usage('big')).toMatchObject({ assignedIPv4: 2n, assignedIPv6: 1n, availableIPv4: 255n, availableIPv6: (1n << 64n) - 1n });
    expect(a.assignments()).toEqual([
      { service: 'u/1', pool: 'big', ips: ['10.0.0.1', '2001:db8::'] },
      { service: 'u/2', pool: 'big', ips: ['10.0.0.2'] },
      { service: 'u/3', pool: 'big', ips: ['10.0.0.2'] },
    ]);
    expect(a.usage('nope')).toBeUndefined();
    expect(a.poolNames()).toEqual(['big']);
  });

  it('rejects duplicate pool names (a caller bug, not user input)', () => {
    expect(() => new Allocator([pool('a', { addresses: ['10.0.0.0/30'] }), pool('a', { addresses: ['10.0.1.0/30'] })])).toThrow(/given twice/);
  });
});
