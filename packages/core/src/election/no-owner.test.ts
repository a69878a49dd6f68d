import { describe, expect, it } from 'vitest';
import { electionOrder } from './order.js';
import type { ServiceDecision } from './types.js';
import { noOwnerMessage, reportsNoOwner } from './no-owner.js';

const d = (noOwner: ServiceDecision['noOwner'], excluded: ServiceDecision['excluded'] = []): ServiceDecision => ({
  service: 'ns/web', ips: ['198.51.100.7'], pool: 'p', candidates: [], owner: undefined, excluded, interfaces: [], advertisements: [], ...(noOwner ? { noOwner } : {}),
});

describe('noOwnerMessage', () => {
  it.each([
    ['no-local-endpoints', /externalTrafficPolicy is Local and no node has a ready, serving endpoint/],
    ['no-advertisement', /no L2Advertisement selects pool "p"/],
    ['unknown-pool', /no IPAddressPool holds it/],
  ] as const)('says why for %s', (reason, re) => {
    expect(noOwnerMessage(d(reason))).toMatch(re);
  });

  it('groups excluded nodes by reason', () => {
    expect(noOwnerMessage(d('no-candidates', [{ node: 'a', reason: 'excluded-label' }, { node: 'b', reason: 'excluded-label' }, { node: 'c', reason: 'speaker-not-live' }]))).toBe(
      'no node announces 198.51.100.7: every node is excluded (excluded-label: a, b; speaker-not-live: c)',
    );
  });

  it('has nothing to say for an owned or IP-less Service', () => {
    expect(noOwnerMessage(d(undefined))).toBeUndefined();
    expect(noOwnerMessage(d('no-ips'))).toBeUndefined();
  });
});

describe('reportsNoOwner', () => {
  it('picks exactly one live node, the first in the IP order', () => {
    const live = new Set(['n1', 'n2', 'n3']);
    const first = electionOrder([...live], '198.51.100.7')[0];
    expect([...live].filter((n) => reportsNoOwner(n, live, d('no-local-endpoints')))).toEqual([first]);
  });
});
