import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatAge } from '../age.js';
import { explainService } from '../analyze/explain.js';
import { buildModel } from '../analyze/model.js';
import { poolsReport } from '../analyze/pools.js';
import { preflightReport } from '../analyze/preflight.js';
import { statusReport } from '../analyze/status.js';
import { exitCodeOf } from '../run.js';
import { advertisement, kubeProxy, l2Status, NOW, pool, service, snapshot } from '../test-support/snapshot.js';
import { render } from './reports.js';
import { renderTable } from './table.js';

const snap = snapshot({
  pools: [pool('pool-a', ['198.51.100.200/31'])],
  advertisements: [advertisement('adv')],
  services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' }), service('api', { ips: ['198.51.100.201'], pool: 'pool-a' }), service('late')],
  l2Statuses: [l2Status('node-2', 'web', ['eth0'], 125_000)],
});
const model = buildModel(snap);

describe('renderTable', () => {
  it('aligns columns three spaces apart, shows <none> for empty cells, trims line ends', () => {
    expect(renderTable(['A', 'LONGER'], [['x', ''], ['yyyy', 'z']])).toBe('A      LONGER\nx      <none>\nyyyy   z\n');
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [125_000, '2m5s'],
    [11 * 60_000, '11m'],
    [3 * 3_600_000 + 5 * 60_000, '3h5m'],
    [49 * 3_600_000, '2d1h'],
  ])('%d ms → %s', (ms, want) => expect(formatAge(ms)).toBe(want));
});

describe('status rendering', () => {
  const r = statusReport(model, undefined);
  it('table', () => {
    expect(render(r, 'table')).toBe(
      [
        'NAMESPACE   NAME   IPS              POOL     NODE     INTERFACES   SINCE    PROBLEMS',
        'demo        api    198.51.100.201   pool-a   <none>   <none>       <none>   not-announced(no-status)',
        'demo        late   <none>           <none>   <none>   <none>       <none>   pending(exhausted)',
        'demo        web    198.51.100.200   pool-a   node-2   eth0         2m5s     -',
        '',
      ].join('\n'),
    );
  });
  it('wide adds the elected node, the candidates and the policy', () => {
    const header = render(r, 'wide').split('\n')[0];
    expect(header?.split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'IPS', 'POOL', 'NODE', 'INTERFACES', 'SINCE', 'PROBLEMS', 'ELECTED', 'CANDIDATES', 'POLICY']);
  });
  it('json and yaml carry the model, times as RFC 3339', () => {
    const j = JSON.parse(render(r, 'json')) as { kind: string; now: string; rows: { name: string; since?: string }[] };
    expect(j.kind).toBe('StatusReport');
    expect(j.now).toBe(new Date(NOW).toISOString());
    expect(j.rows.find((x) => x.name === 'web')?.since).toBe(new Date(NOW - 125_000).toISOString());
    expect(parse(render(r, 'yaml'))).toEqual(j);
  });
  it('exit code 1 when any row has a problem, 0 when none', () => {
    expect(exitCodeOf(r)).toBe(1);
    expect(exitCodeOf(statusReport(buildModel({ ...snap, services: [snap.services[0]!] }), undefined))).toBe(0);
  });
});

describe('explain rendering', () => {
  it('says why, in sentences, with the node order', () => {
    const text = render(explainService(model, snap.services[0]!), 'table');
    expect(text).toMatch(/^Service demo\/web \(externalTrafficPolicy Cluster\)\.\nAllocation: it holds 198\.51\.100\.200 from pool pool-a\.\n/);
    expect(text).toMatch(/Advertisements covering pool pool-a and this Service: adv \(nodes node-1, node-2, node-3; interfaces all\)\./);
    expect(text).toMatch(/Nodes in election order for 198\.51\.100\.200/);
    expect(text).toMatch(/Announced by: node-2 on eth0 since 2m5s ago\./);
    expect(text).toMatch(/Problems: none\.\n$/);
  });
});

describe('explain rendering', () => {
  it('json: advertisements[].interfaces is always a list (empty with allInterfaces when the advertisement names none)', () => {
    const web = snap.services.find((x) => x.metadata?.name === 'web')!;
    const j = JSON.parse(render(explainService(model, web), 'json')) as { advertisements: { interfaces: unknown; allInterfaces: boolean }[] };
    expect(j.advertisements).toEqual([expect.objectContaining({ interfaces: [], allInterfaces: true })]);
    expect(render(explainService(model, web), 'table')).toContain('interfaces all)');
  });

  it('strictARP off and nobody announces: says the elected node is silent and why', () => {
    const m = buildModel({ ...snap, l2Statuses: [], kubeProxy: kubeProxy('ipvs', false) });
    const web = snap.services.find((x) => x.metadata?.name === 'web')!;
    const text = render(explainService(m, web), 'table');
    expect(text).toMatch(/^ {2}node-\d does not announce it: kube-proxy runs in IPVS mode without strictARP, so the speakers refuse to announce .* every node's kernel answers ARP for 198\.51\.100\.200 instead\. Fix: kubectl ironlb preflight --fix\.$/m);
    expect(text).toContain('Problems: not-announced(strict-arp), strictARP.');
  });
});

describe('pools and preflight rendering', () => {
  it('pools table with problem details under it', () => {
    const text = render(poolsReport(model), 'table');
    expect(text.split('\n')[0]).toBe('NAME     ADDRESSES           IPV4 USED/FREE   IPV6 USED/FREE   SERVICES   ADVERTISEMENTS   PROBLEMS');
    expect(text).toContain('pool-a   198.51.100.200/31   2/0              -                2          adv              full\n');
    expect(text).toContain('pool-a: pool pool-a has no free IPv4 address');
  });
  it('pools json/yaml: every count is an exact integer, an IPv6 /64 included (never a string for some pools)', () => {
    const big = buildModel(snapshot({
      pools: [pool('huge', ['2001:db8:1::/64', '198.51.100.0/30'])],
      advertisements: [advertisement('adv')],
      services: [service('a', { ips: ['2001:db8:1::'], pool: 'huge', ipFamilies: ['IPv6'] })],
    }));
    const r = poolsReport(big);
    const json = render(r, 'json');
    expect(json).toContain('"total": 18446744073709551616,');
    expect(json).toContain('"free": 18446744073709551615');
    const j = JSON.parse(json) as { pools: { ipv4: Record<string, unknown>; ipv6: Record<string, unknown> }[] };
    for (const fam of [j.pools[0]!.ipv4, j.pools[0]!.ipv6]) for (const k of ['total', 'used', 'free']) expect(typeof fam[k]).toBe('number');
    expect(j.pools[0]!.ipv4).toEqual({ total: 4, used: 0, free: 4 });
    const y = parse(render(r, 'yaml'), { intAsBigInt: true }) as { pools: { ipv6: Record<string, unknown> }[] };
    expect(y.pools[0]!.ipv6).toEqual({ total: 18446744073709551616n, used: 1n, free: 18446744073709551615n });
    expect(render(r, 'table')).toContain('0/4              1/18446744073709551615');
  });
  it('preflight: a PASS/FAIL line each, the fix under a failure', () => {
    const text = render(preflightReport(buildModel({ ...snap, kubeProxy: kubeProxy('ipvs', false) })), 'table');
    expect(text).toMatch(/^PASS {2}crds {14}the metallb\.io CRDs are installed/m);
    expect(text).toMatch(/^FAIL {2}strictARP {9}kube-proxy runs in IPVS mode without ipvs\.strictARP: true/m);
    expect(text).toMatch(/^ {24}fix: kubectl ironlb preflight --fix/m);
    expect(text).toMatch(/1 of 7 checks failed\.\n$/);
  });
});
