import { describe, expect, it } from 'vitest';
import { desiredAnnouncements } from './desired.js';
import type { ServiceDecision } from './types.js';

function decision(service: string, ips: string[], owner: string | undefined, interfaces: ServiceDecision['interfaces'] = 'all'): ServiceDecision {
  return { service, ips, pool: 'default', candidates: owner ? [owner] : [], owner, excluded: [], interfaces, advertisements: ['l2'], ...(owner ? {} : { noOwner: 'no-candidates' as const }) };
}

describe('desiredAnnouncements', () => {
  it('lists only what the node owns, sorted by service', () => {
    const got = desiredAnnouncements('n1', [
      decision('ns/zeta', ['10.0.0.3'], 'n1', ['eth0']),
      decision('ns/alpha', ['10.0.0.1', 'fd00::1'], 'n1'),
      decision('ns/other', ['10.0.0.2'], 'n2'),
      decision('ns/nobody', ['10.0.0.4'], undefined),
    ]);
    expect(got).toEqual([
      { service: 'ns/alpha', services: ['ns/alpha'], ips: ['10.0.0.1', 'fd00::1'], interfaces: 'all' },
      { service: 'ns/zeta', services: ['ns/zeta'], ips: ['10.0.0.3'], interfaces: ['eth0'] },
    ]);
  });

  it('announces a shared IP once, naming every member, with the union of interfaces', () => {
    const got = desiredAnnouncements('n1', [decision('ns/b', ['10.0.0.1'], 'n1', ['eth1']), decision('ns/a', ['10.0.0.1'], 'n1', ['eth0', 'eth1']), decision('ns/c', ['10.0.0.1'], 'n1', [])]);
    expect(got).toEqual([{ service: 'ns/a', services: ['ns/a', 'ns/b', 'ns/c'], ips: ['10.0.0.1'], interfaces: ['eth0', 'eth1'] }]);
  });

  it('merges through a dual-stack member and lets "all" win', () => {
    const got = desiredAnnouncements('n1', [decision('ns/v6', ['fd00::1'], 'n1', ['eth0']), decision('ns/dual', ['10.0.0.1', 'fd00::1'], 'n1', 'all'), decision('ns/v4', ['10.0.0.1'], 'n1', ['eth2'])]);
    expect(got).toEqual([{ service: 'ns/dual', services: ['ns/dual', 'ns/v4', 'ns/v6'], ips: ['10.0.0.1', 'fd00::1'], interfaces: 'all' }]);
  });

  it('accepts any iterable, e.g. the election map values, and returns [] for a node owning nothing', () => {
    const m = new Map([['ns/a', decision('ns/a', ['10.0.0.1'], 'n2')]]);
    expect(desiredAnnouncements('n1', m.values())).toEqual([]);
    expect(desiredAnnouncements('n2', m.values())).toHaveLength(1);
  });
});
