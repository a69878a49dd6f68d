import { describe, expect, it } from 'vitest';
import { CoverageNotices, advertisementViewOf, advertisersOf, serviceCoverage, type AdvertisementView } from './l2-coverage.js';

const ad = (name: string, spec: Record<string, unknown> = {}): AdvertisementView => advertisementViewOf({ metadata: { name }, spec });
const blue = { name: 'blue', labels: { tier: 'web' } };

describe('which advertisements select a pool', () => {
  it.each([
    ['nothing at all', [], []],
    ['an advertisement listing neither pools nor selectors (all pools)', [ad('all')], ['all']],
    ['by name', [ad('named', { ipAddressPools: ['blue'] })], ['named']],
    ['by another name only', [ad('other', { ipAddressPools: ['red'] })], []],
    ['by a matching pool selector', [ad('sel', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }] })], ['sel']],
    ['by a selector that does not match', [ad('sel', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'db' } }] })], []],
    ['by expressions', [ad('expr', { ipAddressPoolSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'web'] }] }] })], ['expr']],
    ['names OR selectors', [ad('mix', { ipAddressPools: ['red'], ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }] })], ['mix']],
    ['several, sorted', [ad('b'), ad('a', { ipAddressPools: ['blue'] }), ad('c', { ipAddressPools: ['red'] })], ['a', 'b']],
    ['an empty name list is "all pools"', [ad('empty', { ipAddressPools: [] })], ['empty']],
  ] as const)('%s', (_what, ads, want) => {
    expect(advertisersOf(ads, blue)).toEqual(want);
  });
});

describe('is a Service announced', () => {
  const web = { app: 'web' };
  it('is covered by any advertisement selecting pool and Service', () => {
    expect(serviceCoverage([ad('all')], blue, web, ['203.0.113.1'])).toEqual({ covered: true });
    expect(serviceCoverage([ad('x', { ipAddressPools: ['blue'], serviceSelectors: [{ matchLabels: { app: 'web' } }] })], blue, web, ['203.0.113.1'])).toEqual({ covered: true });
  });

  it('says no advertisement selects the pool', () => {
    const c = serviceCoverage([ad('red', { ipAddressPools: ['red'] })], blue, web, ['203.0.113.1', '2001:db8::1']);
    expect(c).toMatchObject({ covered: false, reason: 'no-advertisement' });
    if (!c.covered) expect(c.message).toBe('203.0.113.1, 2001:db8::1 from pool blue are assigned but not announced by any node: no L2Advertisement selects pool blue (by ipAddressPools, ipAddressPoolSelectors, or by listing neither)');
  });

  it('says the advertisements of the pool skip the Service', () => {
    const c = serviceCoverage([ad('only-db', { serviceSelectors: [{ matchLabels: { app: 'db' } }] })], blue, web, ['203.0.113.1']);
    expect(c).toMatchObject({ covered: false, reason: 'service-not-selected' });
    if (!c.covered) expect(c.message).toContain('(only-db) do not select this Service');
  });

  it('tolerates junk in an advertisement without throwing', () => {
    const junk = advertisementViewOf({ metadata: { name: 'j' }, spec: { ipAddressPools: 'blue', ipAddressPoolSelectors: [null, 3] } });
    expect(junk.ipAddressPools).toBeUndefined();
    expect(junk.ipAddressPoolSelectors).toEqual([]);
    expect(advertisersOf([junk], blue)).toEqual(['j']);
  });

  it('never aliases the object it was read from', () => {
    const spec = { ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }] };
    const v = advertisementViewOf({ metadata: { name: 'a' }, spec });
    spec.ipAddressPoolSelectors[0]!.matchLabels.tier = 'db';
    expect(advertisersOf([v], blue)).toEqual(['a']);
  });
});

describe('CoverageNotices', () => {
  it('posts once per state, again after a covered spell, and forgets released Services', () => {
    const n = new CoverageNotices();
    const steps: [string, string | undefined, boolean][] = [
      ['a', 'm1', true],
      ['a', 'm1', false],
      ['a', 'm2', true],
      ['a', undefined, false],
      ['a', 'm2', true],
      ['b', 'm1', true],
    ];
    for (const [svc, msg, post] of steps) expect(n.shouldPost(svc, msg), `${svc} ${msg}`).toBe(post);
    n.retain(new Set(['b']));
    expect(n.size).toBe(1);
    expect(n.shouldPost('a', 'm2')).toBe(true);
  });
});
