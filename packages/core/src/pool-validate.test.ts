import { describe, expect, it } from 'vitest';
import { validatePool } from './pool-validate.js';
import type { IPAddressPool } from './metallb-types.js';

const pool = (spec: unknown, name = 'blue'): IPAddressPool =>
  ({ metadata: { name, namespace: 'metallb-system', creationTimestamp: '2024-01-01T00:00:00Z' }, spec }) as IPAddressPool;

describe('validatePool accepts', () => {
  it('a mixed-family pool with defaults, keeping spec order per family', () => {
    const r = validatePool(pool({ addresses: ['10.0.1.0/24', '2001:db8::/120', '10.0.0.10-10.0.0.20'] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    expect(r.pool).toMatchObject({ name: 'blue', createdAt: '2024-01-01T00:00:00Z', autoAssign: true, avoidBuggyIPs: false, labels: {} });
    expect(r.pool.ipv4.map((x) => x.normalized)).toEqual(['10.0.1.0/24', '10.0.0.10-10.0.0.20']);
    expect(r.pool.ipv6.map((x) => x.normalized)).toEqual(['2001:db8::/120']);
    expect(r.pool.serviceAllocation).toBeUndefined();
  });

  it('flags, serviceAllocation and its selectors', () => {
    const r = validatePool(
      pool({
        addresses: ['10.0.0.0/24'],
        autoAssign: false,
        avoidBuggyIPs: true,
        serviceAllocation: { priority: 5, namespaces: ['a', 'b'], namespaceSelectors: [{ matchLabels: { team: 'x' } }], serviceSelectors: [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }] },
      }),
    );
    expect(r.ok && r.pool).toMatchObject({
      autoAssign: false,
      avoidBuggyIPs: true,
      serviceAllocation: { priority: 5, namespaces: ['a', 'b'], namespaceSelectors: [{ matchLabels: { team: 'x' } }], serviceSelectors: [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }] },
    });
  });

  it.each<[string, unknown, string, string]>([
    ['host bits set (widened, as MetalLB does)', { addresses: ['10.0.0.5/24'] }, 'spec.addresses[0]', 'whole network 10.0.0.0/24'],
    ['duplicate namespace', { addresses: ['10.0.0.0/24'], serviceAllocation: { namespaces: ['a', 'a'] } }, 'spec.serviceAllocation.namespaces[1]', 'listed twice'],
    ['negative priority', { addresses: ['10.0.0.0/24'], serviceAllocation: { priority: -1 } }, 'spec.serviceAllocation.priority', 'treated as 0'],
  ])('with a warning: %s', (_n, spec, field, text) => {
    const r = validatePool(pool(spec));
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.field).toBe(field);
    expect(r.warnings[0]?.message).toContain(text);
    expect(r.warnings[0]?.message).toContain('IPAddressPool metallb-system/blue');
  });
});

describe('validatePool rejects, naming object, field and value', () => {
  it.each<[string, unknown, string, string, string]>([
    ['missing spec', undefined, 'spec', 'required', 'needs a spec'],
    ['missing addresses', {}, 'spec.addresses', 'required', 'at least one'],
    ['empty addresses', { addresses: [] }, 'spec.addresses', 'empty', 'at least one'],
    ['addresses not a list', { addresses: '10.0.0.0/24' }, 'spec.addresses', 'invalid-value', 'must be a list'],
    ['non-string entry', { addresses: ['10.0.0.0/24', 7] }, 'spec.addresses[1]', 'invalid-value', 'must be a string'],
    ['invalid CIDR', { addresses: ['10.0.0.0/24', '10.0.1.0/24', '10.0.300.0/24'] }, 'spec.addresses[2]', 'invalid-cidr', '"10.0.300.0/24"'],
    ['single address without prefix', { addresses: ['10.0.0.1'] }, 'spec.addresses[0]', 'invalid-cidr', 'write "10.0.0.1/32"'],
    ['invalid range', { addresses: ['10.0.0.1-10.0.0.x'] }, 'spec.addresses[0]', 'invalid-range', '"10.0.0.x"'],
    ['start after end', { addresses: ['10.0.0.9-10.0.0.1'] }, 'spec.addresses[0]', 'range-reversed', 'after end'],
    ['mixed families in a range', { addresses: ['10.0.0.1-2001:db8::1'] }, 'spec.addresses[0]', 'mixed-family', 'mixes address families'],
    ['duplicate entries', { addresses: ['10.0.0.0/24', '2001:db8::/64', '10.0.0.0/24'] }, 'spec.addresses[2]', 'duplicate', 'duplicates spec.addresses[0] "10.0.0.0/24"'],
    ['duplicate written differently', { addresses: ['10.0.0.0-10.0.0.255', '10.0.0.0/24'] }, 'spec.addresses[1]', 'duplicate', 'duplicates spec.addresses[0]'],
    ['overlapping CIDRs', { addresses: ['10.0.0.0/16', '10.0.5.0/24'] }, 'spec.addresses[1]', 'overlap', 'overlaps spec.addresses[0] "10.0.0.0/16" on 10.0.5.0/24'],
    ['overlapping range and CIDR', { addresses: ['10.0.0.250-10.0.1.5', '10.0.1.0/24'] }, 'spec.addresses[1]', 'overlap', 'on 10.0.1.0-10.0.1.5'],
    ['later entry sorted first', { addresses: ['10.0.0.128/25', '10.0.0.0/24'] }, 'spec.addresses[1]', 'overlap', 'overlaps spec.addresses[0]'],
    ['overlapping IPv6', { addresses: ['2001:db8::/64', '2001:db8::ff-2001:db8::1ff'] }, 'spec.addresses[1]', 'overlap', '2001:db8::ff-2001:db8::1ff'],
    ['autoAssign not boolean', { addresses: ['10.0.0.0/24'], autoAssign: 'no' }, 'spec.autoAssign', 'invalid-value', 'true or false'],
    ['avoidBuggyIPs not boolean', { addresses: ['10.0.0.0/24'], avoidBuggyIPs: 1 }, 'spec.avoidBuggyIPs', 'invalid-value', 'true or false'],
    ['priority not integer', { addresses: ['10.0.0.0/24'], serviceAllocation: { priority: 1.5 } }, 'spec.serviceAllocation.priority', 'invalid-value', 'whole number'],
    ['namespaces not a list', { addresses: ['10.0.0.0/24'], serviceAllocation: { namespaces: 'a' } }, 'spec.serviceAllocation.namespaces', 'invalid-value', 'list'],
    ['empty namespace', { addresses: ['10.0.0.0/24'], serviceAllocation: { namespaces: [''] } }, 'spec.serviceAllocation.namespaces[0]', 'invalid-value', 'namespace name'],
    [
      'invalid service selector',
      { addresses: ['10.0.0.0/24'], serviceAllocation: { serviceSelectors: [{ matchExpressions: [{ key: 'app', operator: 'In' }] }] } },
      'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values',
      'invalid-selector',
      'at least one value',
    ],
    ['invalid namespace selector', { addresses: ['10.0.0.0/24'], serviceAllocation: { namespaceSelectors: [{ matchLabels: { 'a b': 'x' } }] } }, 'spec.serviceAllocation.namespaceSelectors[0].matchLabels', 'invalid-selector', 'invalid label key'],
    ['selectors not a list', { addresses: ['10.0.0.0/24'], serviceAllocation: { serviceSelectors: {} } }, 'spec.serviceAllocation.serviceSelectors', 'invalid-selector', 'list of label selectors'],
  ])('%s', (_n, spec, field, reason, text) => {
    const r = validatePool(pool(spec));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ object: 'IPAddressPool metallb-system/blue', field, reason });
    expect(r.problems[0]?.message).toContain(text);
    expect(r.problems[0]?.message).toContain(field);
  });

  it('reports every bad entry, not just the first', () => {
    const r = validatePool(pool({ addresses: ['x', '10.0.0.0/24', 'y', '10.0.0.0/24'] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.field)).toEqual(['spec.addresses[0]', 'spec.addresses[2]', 'spec.addresses[3]']);
  });

  it('needs a name', () => {
    const r = validatePool({ metadata: {}, spec: { addresses: ['10.0.0.0/24'] } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ field: 'metadata.name', reason: 'required' });
  });

  it('never throws on garbage', () => {
    for (const junk of [null, undefined, 42, 'x', [], { spec: null }, { metadata: null, spec: { addresses: [null] } }]) {
      expect(validatePool(junk as unknown as IPAddressPool).ok).toBe(false);
    }
  });

  it('does not alias its input', () => {
    const input = pool({ addresses: ['10.0.0.0/24'], serviceAllocation: { serviceSelectors: [{ matchLabels: { a: 'b' } }] } });
    const r = validatePool(input);
    if (!r.ok) throw new Error('expected ok');
    expect(r.pool.serviceAllocation?.serviceSelectors[0]).not.toBe(input.spec.serviceAllocation?.serviceSelectors?.[0]);
  });
});
