import { describe, expect, it } from 'vitest';
import { backendKeyOf, planFamilies, portKeysOf, shareIdentityOf, type ServiceView } from './service-view.js';

describe('planFamilies', () => {
  it.each<[ServiceView['ipFamilies'], ServiceView['ipFamilyPolicy'], object]>([
    [['IPv4'], 'SingleStack', { mode: 'single', primary: 4 }],
    [['IPv6'], 'SingleStack', { mode: 'single', primary: 6 }],
    [['IPv6', 'IPv4'], 'SingleStack', { mode: 'single', primary: 6 }],
    [['IPv4'], 'PreferDualStack', { mode: 'single', primary: 4 }],
    [['IPv4', 'IPv6'], 'PreferDualStack', { mode: 'prefer-dual', primary: 4, secondary: 6 }],
    [['IPv6', 'IPv4'], 'RequireDualStack', { mode: 'require-dual', primary: 6, secondary: 4 }],
  ])('%j %s', (ipFamilies, ipFamilyPolicy, plan) => {
    expect(planFamilies({ key: 'ns/s', ipFamilies, ipFamilyPolicy })).toEqual({ ok: true, plan });
  });

  it.each<[ServiceView['ipFamilies'], ServiceView['ipFamilyPolicy'], string]>([
    [[], 'SingleStack', 'no spec.ipFamilies'],
    [['IPv4', 'IPv4'], 'PreferDualStack', 'twice'],
    [['IPv5' as 'IPv4'], 'SingleStack', 'unknown ipFamily "IPv5"'],
    [['IPv4'], 'RequireDualStack', 'requires dual-stack'],
  ])('rejects %j %s', (ipFamilies, ipFamilyPolicy, text) => {
    const r = planFamilies({ key: 'ns/s', ipFamilies, ipFamilyPolicy });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(text);
  });
});

describe('sharing identity', () => {
  it.each<[ServiceView['externalTrafficPolicy'], Record<string, string>, string]>([
    ['Cluster', { app: 'x' }, ''],
    ['Local', { b: '2', a: '1' }, 'a=1,b=2'],
    ['Local', {}, ''],
  ])('backend key for %s %j', (externalTrafficPolicy, selector, want) => expect(backendKeyOf({ externalTrafficPolicy, selector })).toBe(want));

  it.each<[ServiceView['ports'], string[]]>([
    [[], []],
    [[{ port: 53 }], ['TCP/53']],
    [[{ protocol: 'udp', port: 53 }, { protocol: 'TCP', port: 53 }, { port: 53 }], ['TCP/53', 'UDP/53']],
  ])('port keys %j', (ports, want) => expect(portKeysOf({ ports })).toEqual(want));

  it('trims the sharing key; blank means no sharing', () => {
    const base = { key: 'n/s', ports: [], externalTrafficPolicy: 'Cluster', selector: {} } as unknown as ServiceView;
    expect(shareIdentityOf({ ...base, sharingKey: ' k ' }).sharingKey).toBe('k');
    expect(shareIdentityOf({ ...base, sharingKey: '  ' }).sharingKey).toBe('');
    expect(shareIdentityOf(base).sharingKey).toBe('');
  });
});
