import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp, electionOrder, hashNodeForIp } from './order.js';

const NODES = ['kind-worker', 'kind-worker2', 'kind-worker3', 'kind-control-plane', 'node-a', 'node-b', 'node-c', 'node-d'];

describe('electionOrder', () => {
  // Produced by MetalLB's own comparator (speaker/layer2_controller.go: sha256.Sum256 of
  // node+"#"+ip.String(), bytes.Compare) in a Go program run with go1.26.
  it.each([
    ['192.168.10.0', ['node-d', 'kind-worker2', 'kind-worker3', 'node-b', 'kind-worker', 'kind-control-plane', 'node-a', 'node-c']],
    ['198.51.100.7', ['node-d', 'node-a', 'kind-worker2', 'kind-worker3', 'node-b', 'kind-control-plane', 'kind-worker', 'node-c']],
    ['2001:db8::1', ['node-d', 'node-b', 'node-a', 'kind-worker2', 'kind-worker', 'kind-control-plane', 'kind-worker3', 'node-c']],
    ['2001:db8::a', ['node-a', 'node-b', 'node-d', 'kind-worker', 'kind-worker2', 'node-c', 'kind-worker3', 'kind-control-plane']],
  ])('matches MetalLB for %s', (ip, want) => {
    expect(electionOrder(NODES, ip)).toEqual(want);
    expect(electionOrder([...NODES].reverse(), ip)).toEqual(want);
  });

  it('sorts by the raw sha256 bytes of "<node>#<ip>", computed by hand', () => {
    const ip = '198.51.100.7';
    const digests = NODES.map((n) => ({ n, d: createHash('sha256').update(`${n}#${ip}`).digest() }));
    // Byte-wise comparison written out, so the test does not share Buffer.compare with the code.
    const byteCompare = (a: Buffer, b: Buffer): number => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
      return 0;
    };
    const want = [...digests].sort((a, b) => byteCompare(a.d, b.d)).map((x) => x.n);
    expect(electionOrder(NODES, ip)).toEqual(want);
    // Lower-case hex preserves byte order, so a hex string sort agrees here — fine, but the
    // code must not depend on it and must not hash anything else (e.g. "node:ip").
    expect([...digests].sort((a, b) => (a.d.toString('hex') < b.d.toString('hex') ? -1 : 1)).map((x) => x.n)).toEqual(want);
    const wrongFormat = [...NODES].sort((a, b) => byteCompare(createHash('sha256').update(`${a}:${ip}`).digest(), createHash('sha256').update(`${b}:${ip}`).digest()));
    expect(wrongFormat).not.toEqual(want);
    // A name sort gives a different answer too: the hash really decides.
    expect([...NODES].sort()).not.toEqual(want);
  });

  it('first bytes decide: the node with the smallest leading digest byte is first', () => {
    const ip = '192.168.10.0';
    const first = electionOrder(NODES, ip)[0] as string;
    const lead = (n: string): number => createHash('sha256').update(`${n}#${ip}`).digest()[0] as number;
    for (const n of NODES) expect(lead(first)).toBeLessThanOrEqual(lead(n));
  });

  it('is a permutation that does not depend on input order and does not mutate it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 20 }), fc.ipV4(), (nodes, ip) => {
        const frozen = Object.freeze([...nodes]);
        const a = electionOrder(frozen, ip);
        expect([...a].sort()).toEqual([...nodes].sort());
        expect(electionOrder([...nodes].reverse(), ip)).toEqual(a);
      }),
    );
  });

  it('empty input gives an empty order', () => {
    expect(electionOrder([], '192.0.2.1')).toEqual([]);
  });
});

describe('canonicalIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:A', '2001:db8::a'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['not-an-ip ', 'not-an-ip'],
  ])('%s → %s', (input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });
});

describe('hashNodeForIp', () => {
  it('is sha256 of "<node>#<ip>"', () => {
    expect(hashNodeForIp('node-a', '192.0.2.1').toString('hex')).toBe(createHash('sha256').update('node-a#192.0.2.1').digest('hex'));
  });
});

describe('electionOrder on digests that differ only in high bytes', () => {
  it('treats bytes as unsigned 0–255 (a signed or UTF-16 mix-up would misorder them)', () => {
    // Search a few names for digests whose first bytes straddle 0x7f/0x80: a signed
    // comparison would put 0x80.. before 0x7f.. .
    const ip = '10.0.0.1';
    const names = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const lead = (n: string): number => createHash('sha256').update(`${n}#${ip}`).digest()[0] as number;
    const low = names.find((n) => lead(n) === 0x7f || lead(n) === 0x7e) as string;
    const high = names.find((n) => lead(n) >= 0x80 && lead(n) <= 0x90) as string;
    const top = names.find((n) => lead(n) >= 0xf0) as string;
    expect([low, high, top].every(Boolean)).toBe(true);
    expect(electionOrder([top, high, low], ip)).toEqual([low, high, top]);
  });
});
