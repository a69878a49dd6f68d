import { describe, expect, it } from 'vitest';
import { countPoolAddresses, Int64Max, saturateInt64, saturateSafeNumber } from './address-count.js';
import { validatePool } from './pool-validate.js';

function counts(addresses: string[], avoidBuggyIPs = false) {
  const r = validatePool({ metadata: { name: 'p' }, spec: { addresses, avoidBuggyIPs } });
  if (!r.ok) throw new Error(r.problems[0]?.message);
  return countPoolAddresses(r.pool);
}

describe('countPoolAddresses', () => {
  it.each<[string[], boolean, bigint, bigint]>([
    [['10.0.0.0/24'], false, 256n, 0n],
    [['10.0.0.0/24'], true, 254n, 0n],
    [['10.0.0.0/24', '10.0.1.10-10.0.1.19'], false, 266n, 0n],
    [['2001:db8::/64', '10.0.0.0/24'], false, 256n, 1n << 64n],
    [['2001:db8::/0'.replace('2001:db8::', '::')], false, 0n, 1n << 128n],
    [['2001:db8::/120', '2001:db8:1::1/128'], true, 0n, 257n],
  ])('%j avoidBuggyIPs=%s', (addresses, avoid, v4, v6) => {
    expect(counts(addresses, avoid)).toEqual({ ipv4: v4, ipv6: v6 });
  });
});

describe('saturateInt64', () => {
  it.each<[bigint, bigint, boolean]>([
    [0n, 0n, false],
    [254n, 254n, false],
    [Int64Max, Int64Max, false],
    [Int64Max + 1n, Int64Max, true],
    [1n << 64n, Int64Max, true],
    [1n << 128n, Int64Max, true],
    [-5n, 0n, true],
  ])('%s', (n, value, saturated) => expect(saturateInt64(n)).toEqual({ value, saturated }));

  it('the /64 + IPv4 mix MetalLB reports as negative stays positive', () => {
    const c = counts(['2001:db8::/64', '10.0.0.0/24']);
    const available = saturateInt64(c.ipv6 - 5n);
    expect(available).toEqual({ value: Int64Max, saturated: true });
  });

  it('saturateSafeNumber clamps for JSON and gauges', () => {
    expect(saturateSafeNumber(1n << 64n)).toEqual({ value: Number.MAX_SAFE_INTEGER, saturated: true });
    expect(saturateSafeNumber(12n)).toEqual({ value: 12, saturated: false });
    expect(saturateSafeNumber(-1n)).toEqual({ value: 0, saturated: true });
  });
});
