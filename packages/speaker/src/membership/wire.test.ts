import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIronlbError } from '@ironlb/core';
import { computeMac, decodePacket, encodePacket, MAC_BYTES, MAX_PACKET_BYTES, peekPacketType, verifyMac, type MemberFact, type PacketBody, type PacketHeader } from './wire.js';

const key = createSecretKey(Buffer.alloc(32, 1));
const otherKey = createSecretKey(Buffer.alloc(32, 2));
const header: PacketHeader = { keyId: 'k1', sender: 'node-a', incarnation: 1_750_000_000_000, seq: 7, timestamp: 1_750_000_000_123 };

const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => new TextEncoder().encode(s).length <= 120);
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const fact: fc.Arbitrary<MemberFact> = fc.record({ node: name, incarnation: u53, state: fc.constantFrom('alive' as const, 'dead' as const, 'left' as const) });
const body: fc.Arbitrary<PacketBody> = fc.oneof(
  fc.record({ type: fc.constant('heartbeat' as const), apiFresh: fc.boolean() }),
  fc.constant({ type: 'leave' as const }),
  fc.record({ type: fc.constant('alive' as const), join: fc.boolean() }),
  fc.record({ type: fc.constant('suspect' as const), node: name, incarnation: u53 }),
  fc.record({ type: fc.constant('state' as const), request: fc.boolean(), answer: fc.boolean(), facts: fc.array(fact, { maxLength: 8 }) }),
);
const anyHeader: fc.Arbitrary<PacketHeader> = fc.record({ keyId: name.filter((s) => new TextEncoder().encode(s).length <= 64), sender: name, incarnation: u53, seq: u53, timestamp: u53 });

describe('heartbeat packet codec', () => {
  it.each<PacketBody>([
    { type: 'heartbeat', apiFresh: true },
    { type: 'heartbeat', apiFresh: false },
    { type: 'leave' },
    { type: 'alive', join: true },
    { type: 'alive', join: false },
    { type: 'suspect', node: 'node-b', incarnation: 42 },
    { type: 'state', request: true, answer: false, facts: [] },
    { type: 'state', request: false, answer: true, facts: [{ node: 'node-c', incarnation: 9, state: 'dead' }, { node: 'nöde-d', incarnation: 0, state: 'left' }] },
  ])('round-trips %j and verifies with its key only', (b) => {
    const bytes = encodePacket(header, b, key);
    const p = decodePacket(bytes)!;
    expect(p.header).toEqual(header);
    expect(p.body).toEqual(b);
    expect(verifyMac(p, key)).toBe(true);
    expect(verifyMac(p, otherKey)).toBe(false);
    expect(peekPacketType(bytes)).toBe(b.type);
  });

  it('round-trips any header and body (property)', () => {
    fc.assert(
      fc.property(anyHeader, body, (h, b) => {
        const p = decodePacket(encodePacket(h, b, key));
        expect(p?.header).toEqual(h);
        expect(p?.body).toEqual(b);
        expect(verifyMac(p!, key)).toBe(true);
      }),
    );
  });

  it('starts with the magic ILB1 and ends with a 16-byte MAC', () => {
    const bytes = encodePacket(header, { type: 'heartbeat' }, key);
    expect([...bytes.subarray(0, 4)]).toEqual([0x49, 0x4c, 0x42, 0x31]);
    expect(bytes.length).toBe(4 + 1 + 1 + 2 + 1 + 6 + 24 + 2 + MAC_BYTES);
  });

  it('never throws on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => {
        const p = decodePacket(bytes);
        if (p) verifyMac(p, key);
        peekPacketType(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated or truncated valid packets, and a changed byte fails the MAC', () => {
    fc.assert(
      fc.property(anyHeader, body, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (h, b, at, xor, cut) => {
        const bytes = encodePacket(h, b, key);
        const mutated = bytes.slice();
        mutated[at % bytes.length]! ^= xor;
        const p = decodePacket(mutated);
        if (p) expect(verifyMac(p, key)).toBe(false);
        expect(() => decodePacket(bytes.subarray(0, cut % bytes.length))).not.toThrow();
        expect(decodePacket(bytes.subarray(0, bytes.length - 1 - (cut % 8)))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['wrong magic', (b: Uint8Array) => void (b[3] = 0x32)],
    ['unknown type', (b: Uint8Array) => void (b[4] = 9)],
    ['empty key id', (b: Uint8Array) => void (b[5] = 0)],
    ['incarnation beyond 2^53', (b: Uint8Array) => void (b[5 + 1 + 2 + 1 + 6] = 0xff)],
  ])('rejects a packet with %s', (_name, mutate) => {
    const bytes = encodePacket(header, { type: 'heartbeat' }, key);
    mutate(bytes);
    expect(decodePacket(bytes)).toBeUndefined();
  });

  it('rejects invalid UTF-8 in a name', () => {
    const bytes = encodePacket({ ...header, sender: 'ab' }, { type: 'heartbeat' }, key);
    bytes[5 + 1 + 2 + 1] = 0xff; // first byte of the sender name
    expect(decodePacket(bytes)).toBeUndefined();
  });

  it('rejects datagrams over 1400 bytes and refuses to build one', () => {
    expect(decodePacket(new Uint8Array(MAX_PACKET_BYTES + 1))).toBeUndefined();
    const facts = Array.from({ length: 200 }, (_, i) => ({ node: `node-${i}`, incarnation: i, state: 'dead' as const }));
    expect(() => encodePacket(header, { type: 'state', request: false, answer: false, facts }, key)).toThrow(/exceeds 1400/);
  });

  it.each([
    ['a negative incarnation', { ...header, incarnation: -1 }],
    ['a fractional sequence number', { ...header, seq: 1.5 }],
    ['an empty sender', { ...header, sender: '' }],
    ['a key id over 64 bytes', { ...header, keyId: 'k'.repeat(65) }],
  ])('refuses to encode %s with IronlbError(Config)', (_name, h) => {
    let err: unknown;
    try {
      encodePacket(h, { type: 'heartbeat' }, key);
    } catch (e) {
      err = e;
    }
    expect(isIronlbError(err, 'IRONLB_CONFIG')).toBe(true);
  });
});

/** A heartbeat laid out by hand, with any payload; `[]` is exactly what a speaker from before the API flag sends. */
function handBuiltHeartbeat(h: PacketHeader, payload: readonly number[]): Uint8Array {
  const enc = new TextEncoder();
  const u53 = (v: number) => [...new Uint8Array(new BigUint64Array([BigInt(v)]).buffer)].reverse();
  const keyId = enc.encode(h.keyId);
  const sender = enc.encode(h.sender);
  const signed = Uint8Array.from([
    ...[0x49, 0x4c, 0x42, 0x31, 1],
    ...[keyId.length, ...keyId, sender.length, ...sender],
    ...u53(h.incarnation),
    ...u53(h.seq),
    ...u53(h.timestamp),
    ...[payload.length >> 8, payload.length & 255, ...payload],
  ]);
  return Uint8Array.from([...signed, ...computeMac(key, signed)]);
}

describe('heartbeat API-freshness flag', () => {
  it('a version-1 heartbeat (no flag byte) decodes, verifies and counts as fresh; a fresh heartbeat is still encoded that way', () => {
    const v1 = handBuiltHeartbeat(header, []);
    const p = decodePacket(v1)!;
    expect(p.body).toEqual({ type: 'heartbeat', apiFresh: true });
    expect(verifyMac(p, key)).toBe(true);
    // Byte-identical, so a speaker from before the flag accepts our fresh heartbeats.
    expect(encodePacket(header, { type: 'heartbeat', apiFresh: true }, key)).toEqual(v1);
    expect(encodePacket(header, { type: 'heartbeat' }, key)).toEqual(v1);
  });

  it('a stale heartbeat carries one flag byte (bit 0 set), authenticated like the rest', () => {
    const bytes = encodePacket(header, { type: 'heartbeat', apiFresh: false }, key);
    expect(bytes).toEqual(handBuiltHeartbeat(header, [1]));
    expect(bytes.length).toBe(encodePacket(header, { type: 'heartbeat' }, key).length + 1);
    const p = decodePacket(bytes)!;
    expect(p.body).toEqual({ type: 'heartbeat', apiFresh: false });
    expect(verifyMac(p, key)).toBe(true);
    // Flipping the flag without the key fails the MAC: a forger cannot make a peer withdraw.
    const flipped = bytes.slice();
    flipped[bytes.length - MAC_BYTES - 1] = 0;
    expect(verifyMac(decodePacket(flipped)!, key)).toBe(false);
  });

  it.each<[string, number[], boolean]>([
    ['flags 0', [0], true],
    ['bit 0', [1], false],
    ['reserved bits only', [0xfe], true],
    ['bit 0 and reserved bits', [0xff], false],
    ['trailing reserved bytes', [1, 0xaa, 0xbb], false],
    ['trailing reserved bytes, fresh', [0, 0xaa], true],
  ])('ignores what a later version may add: %s', (_name, payload, apiFresh) => {
    expect(decodePacket(handBuiltHeartbeat(header, payload))?.body).toEqual({ type: 'heartbeat', apiFresh });
  });
});
