// The heartbeat packet: binary, versioned by its magic, authenticated with a shared key.
// Decoding never throws: bytes from the network come back as a value or 'malformed'.
//
//   offset  size  field
//   0       4     magic "ILB1" (the 1 is the version)
//   4       1     type: 1 heartbeat, 2 alive, 3 suspect, 4 leave, 5 state
//   5       1+k   key id: length (1..64), UTF-8
//           1+n   sender node name: length (1..253), UTF-8
//           8     sender incarnation   (unsigned big-endian, ≤ 2^53-1)
//           8     sequence number      (per sender → receiver pair, per incarnation)
//           8     wall-clock timestamp (epoch ms)
//           2     payload length, then the payload (per type, below)
//           16    HMAC-SHA256(key, every preceding byte), truncated to 16 bytes
//
// Heartbeat payload: empty (version 1), or a flags byte — bit 0: "my view of the API server
// is stale" (membership/README.md, "API freshness"); other bits and any further bytes are
// reserved: written as zero / not at all, ignored when read, so a later version can add
// flags without an older speaker dropping its heartbeats. A fresh heartbeat is written
// without the byte, byte-identical to version 1: a speaker from before the flag accepts it.
//
// Whole packet ≤ 1400 bytes: one datagram below any usual MTU, never fragmented.
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ErrorCodes, IronlbError } from '@ironlb/core';

export const MAGIC = [0x49, 0x4c, 0x42, 0x31] as const; // "ILB1"
export const MAX_PACKET_BYTES = 1400;
export const MAC_BYTES = 16;
export const MAX_KEY_ID_BYTES = 64;
export const MAX_NODE_BYTES = 253;

export const PacketTypes = { heartbeat: 1, alive: 2, suspect: 3, leave: 4, state: 5 } as const;
export type PacketType = keyof typeof PacketTypes;
/** Heartbeat flags bit 0: the sender's API view is stale. */
const HEARTBEAT_API_STALE = 1;
const TYPE_NAMES: readonly (PacketType | undefined)[] = [undefined, 'heartbeat', 'alive', 'suspect', 'leave', 'state'];

/** A fact about a member as one speaker holds it; what `state` packets carry. */
export interface MemberFact {
  readonly node: string;
  readonly incarnation: number;
  readonly state: 'alive' | 'dead' | 'left';
}
const FACT_STATES = ['alive', 'dead', 'left'] as const;

export type PacketBody =
  /** `apiFresh`: the sender's view of the API server is fresh; omitted when encoding: true. Decoded: always set (true for a version-1 heartbeat). */
  | { readonly type: 'heartbeat'; readonly apiFresh?: boolean }
  /** `join`: we just started; peers near us on the ring answer with a `state` packet. */
  | { readonly type: 'alive'; readonly join: boolean }
  | { readonly type: 'suspect'; readonly node: string; readonly incarnation: number }
  | { readonly type: 'leave' }
  /** `request`: anti-entropy push, answer with corrections; `answer`: a reply (to a join or a request). */
  | { readonly type: 'state'; readonly request: boolean; readonly answer: boolean; readonly facts: readonly MemberFact[] };

export interface PacketHeader {
  readonly keyId: string;
  readonly sender: string;
  readonly incarnation: number;
  readonly seq: number;
  readonly timestamp: number;
}

export interface DecodedPacket {
  readonly header: PacketHeader;
  readonly body: PacketBody;
  /** The bytes the MAC covers and the MAC itself (views into the input). */
  readonly signed: Uint8Array;
  readonly mac: Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes one fact takes in a `state` payload: name length + name + incarnation + state. */
export function factBytes(f: MemberFact): number {
  return 1 + utf8.encode(f.node).length + 8 + 1;
}

/** Bytes a packet of this sender/key takes before its payload, plus the MAC. */
export function overheadBytes(keyId: string, sender: string): number {
  return 4 + 1 + 1 + utf8.encode(keyId).length + 1 + utf8.encode(sender).length + 24 + 2 + MAC_BYTES;
}

/** Builds and signs a packet. Throws IronlbError(Config) for names that cannot be encoded or a packet over 1400 bytes (a caller bug). */
export function encodePacket(header: PacketHeader, body: PacketBody, key: KeyObject): Uint8Array {
  const keyId = nameBytes(header.keyId, MAX_KEY_ID_BYTES, 'key id');
  const sender = nameBytes(header.sender, MAX_NODE_BYTES, 'node name');
  const payload = payloadBytes(body);
  const size = 4 + 1 + 1 + keyId.length + 1 + sender.length + 24 + 2 + payload + MAC_BYTES;
  if (size > MAX_PACKET_BYTES) throw new IronlbError(ErrorCodes.Config, `heartbeat packet of ${size} bytes exceeds ${MAX_PACKET_BYTES}`);
  const w = new Writer(size);
  w.bytes(MAGIC);
  w.u8(PacketTypes[body.type]);
  w.u8(keyId.length);
  w.bytes(keyId);
  w.u8(sender.length);
  w.bytes(sender);
  w.u53(header.incarnation);
  w.u53(header.seq);
  w.u53(header.timestamp);
  w.u16(payload);
  writeBody(w, body);
  const signed = w.buf.subarray(0, w.length);
  w.bytes(computeMac(key, signed));
  return w.buf;
}

function payloadBytes(body: PacketBody): number {
  switch (body.type) {
    case 'heartbeat':
      return body.apiFresh === false ? 1 : 0;
    case 'leave':
      return 0;
    case 'alive':
      return 1;
    case 'suspect':
      return 1 + nameBytes(body.node, MAX_NODE_BYTES, 'node name').length + 8;
    case 'state':
      return 3 + body.facts.reduce((n, f) => n + factBytes(f), 0);
  }
}

function writeBody(w: Writer, body: PacketBody): void {
  switch (body.type) {
    case 'heartbeat':
      if (body.apiFresh === false) w.u8(HEARTBEAT_API_STALE);
      return;
    case 'leave':
      return;
    case 'alive':
      return w.u8(body.join ? 1 : 0);
    case 'suspect':
      w.name(body.node);
      return w.u53(body.incarnation);
    case 'state':
      w.u8((body.request ? 1 : 0) | (body.answer ? 2 : 0));
      w.u16(body.facts.length);
      for (const f of body.facts) {
        w.name(f.node);
        w.u53(f.incarnation);
        w.u8(FACT_STATES.indexOf(f.state));
      }
  }
}

// Node names and key ids repeat in every packet: encode each once.
const nameCache = new Map<string, Uint8Array>();

function nameBytes(s: string, max: number, what: string): Uint8Array {
  let b = nameCache.get(s);
  if (b === undefined) {
    b = utf8.encode(s);
    if (nameCache.size >= 65_536) nameCache.clear();
    nameCache.set(s, b);
  }
  if (b.length < 1 || b.length > max) throw new IronlbError(ErrorCodes.Config, `${what} "${s.slice(0, 40)}" must be 1..${max} bytes of UTF-8`);
  return b;
}

/** The packet's type without parsing or verifying it (for counters and simulations). */
export function peekPacketType(bytes: Uint8Array): PacketType | undefined {
  if (bytes.length < 5 || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  return TYPE_NAMES[bytes[4]!];
}

/** Parses a packet's structure; the MAC is NOT checked here (see `verifyMac`). undefined: malformed. */
export function decodePacket(bytes: Uint8Array): DecodedPacket | undefined {
  if (bytes.length > MAX_PACKET_BYTES || bytes.length < 4 + 1 + MAC_BYTES) return undefined;
  const r = new Reader(bytes.subarray(0, bytes.length - MAC_BYTES));
  if (MAGIC.some((b) => r.u8() !== b)) return undefined;
  const type = TYPE_NAMES[r.u8()];
  const keyId = r.name(MAX_KEY_ID_BYTES);
  const sender = r.name(MAX_NODE_BYTES);
  const incarnation = r.u53();
  const seq = r.u53();
  const timestamp = r.u53();
  const payloadLength = r.u16();
  if (r.failed || type === undefined || r.remaining !== payloadLength) return undefined;
  const body = readBody(r, type);
  if (r.failed || r.remaining !== 0 || body === undefined) return undefined;
  return {
    header: { keyId: keyId!, sender: sender!, incarnation, seq, timestamp },
    body,
    signed: bytes.subarray(0, bytes.length - MAC_BYTES),
    mac: bytes.subarray(bytes.length - MAC_BYTES),
  };
}

function readBody(r: Reader, type: PacketType): PacketBody | undefined {
  switch (type) {
    case 'heartbeat': {
      if (r.remaining === 0) return { type, apiFresh: true };
      const flags = r.u8();
      r.skip(r.remaining); // reserved for later versions
      return { type, apiFresh: (flags & HEARTBEAT_API_STALE) === 0 };
    }
    case 'leave':
      return { type };
    case 'alive': {
      const flags = r.u8();
      return flags > 1 ? undefined : { type, join: flags === 1 };
    }
    case 'suspect': {
      const node = r.name(MAX_NODE_BYTES);
      const incarnation = r.u53();
      return node === undefined ? undefined : { type, node, incarnation };
    }
    case 'state': {
      const flags = r.u8();
      const count = r.u16();
      const facts: MemberFact[] = [];
      for (let i = 0; i < count && !r.failed; i++) {
        const node = r.name(MAX_NODE_BYTES);
        const incarnation = r.u53();
        const state = FACT_STATES[r.u8()];
        if (node === undefined || state === undefined) return undefined;
        facts.push({ node, incarnation, state });
      }
      return flags > 3 ? undefined : { type, request: (flags & 1) !== 0, answer: (flags & 2) !== 0, facts };
    }
  }
}

export function computeMac(key: KeyObject, signed: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES);
}

/** True when the packet's MAC is right for `key` (constant-time comparison). */
export function verifyMac(packet: DecodedPacket, key: KeyObject): boolean {
  return timingSafeEqual(computeMac(key, packet.signed), packet.mac);
}

/** Writes into an exactly sized buffer (sizes are computed and checked before). */
class Writer {
  readonly buf: Uint8Array;
  readonly #view: DataView;
  length = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.#view = new DataView(this.buf.buffer);
  }
  u8(v: number): void {
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.#view.setUint16(this.length, v);
    this.length += 2;
  }
  u53(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new IronlbError(ErrorCodes.Config, `heartbeat field ${v} is not an unsigned safe integer`);
    this.#view.setUint32(this.length, Math.floor(v / 2 ** 32));
    this.#view.setUint32(this.length + 4, v % 2 ** 32);
    this.length += 8;
  }
  bytes(b: ArrayLike<number>): void {
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  name(s: string): void {
    const b = nameBytes(s, MAX_NODE_BYTES, 'node name');
    this.u8(b.length);
    this.bytes(b);
  }
}

/** Reads fail soft: past the end or bad UTF-8 sets `failed` and returns zeros / undefined. */
class Reader {
  #view: DataView;
  #at = 0;
  failed = false;

  constructor(private readonly buf: Uint8Array) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.buf.length - this.#at;
  }
  #take(n: number): number | undefined {
    if (this.failed || this.#at + n > this.buf.length) {
      this.failed = true;
      return undefined;
    }
    const at = this.#at;
    this.#at += n;
    return at;
  }
  skip(n: number): void {
    this.#take(n);
  }
  u8(): number {
    const at = this.#take(1);
    return at === undefined ? 0 : this.buf[at]!;
  }
  u16(): number {
    const at = this.#take(2);
    return at === undefined ? 0 : this.#view.getUint16(at);
  }
  u53(): number {
    const at = this.#take(8);
    if (at === undefined) return 0;
    const hi = this.#view.getUint32(at);
    if (hi >= 2 ** 21) this.failed = true; // beyond Number.MAX_SAFE_INTEGER
    return hi * 2 ** 32 + this.#view.getUint32(at + 4);
  }
  name(max: number): string | undefined {
    const n = this.u8();
    if (n < 1 || n > max) this.failed = true;
    const at = this.#take(n);
    if (at === undefined || this.failed) return undefined;
    try {
      return strictUtf8.decode(this.buf.subarray(at, at + n));
    } catch {
      this.failed = true;
      return undefined;
    }
  }
}
