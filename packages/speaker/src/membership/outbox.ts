// Signing and addressing outgoing packets: the newest activated key, a sequence number per
// receiver (so each receiver's replay window sees a contiguous run), our wall-clock time.
import type { KeyRing } from './keyring.js';
import type { MembershipAction } from './types.js';
import { encodePacket, factBytes, MAX_PACKET_BYTES, overheadBytes, type MemberFact, type PacketBody } from './wire.js';

export interface Recipient {
  readonly node: string;
  readonly address: string;
}

export class Outbox {
  readonly #seqs = new Map<string, number>();
  sent = 0;

  constructor(
    private readonly self: string,
    private readonly keys: KeyRing,
    private readonly activationDelayMs: number,
  ) {}

  /** The key id we would sign with now (undefined: no keys, nothing can be sent). */
  signingKeyId(now: number): string | undefined {
    return this.keys.signer(now, this.activationDelayMs)?.id;
  }

  /** Appends a signed packet for `to`; false (nothing sent) without keys. */
  send(out: MembershipAction[], to: Recipient, body: PacketBody, incarnation: number, now: number, wallNow: number): boolean {
    const signer = this.keys.signer(now, this.activationDelayMs);
    if (!signer) return false;
    const seq = (this.#seqs.get(to.node) ?? 0) + 1;
    this.#seqs.set(to.node, seq);
    const bytes = encodePacket({ keyId: signer.id, sender: this.self, incarnation, seq, timestamp: Math.max(0, Math.round(wallNow)) }, body, signer.key);
    out.push({ kind: 'send', to: to.address, bytes });
    this.sent++;
    return true;
  }

  forget(node: string): void {
    this.#seqs.delete(node);
  }

  /**
   * Splits facts into `state` payloads that each fit one packet signed with `keyId`
   * (at most `maxFacts` in all; the rest are dropped — anti-entropy carries them later).
   */
  chunkFacts(facts: readonly MemberFact[], keyId: string, maxFacts: number): MemberFact[][] {
    const room = MAX_PACKET_BYTES - overheadBytes(keyId, this.self) - 3; // flags + count
    const chunks: MemberFact[][] = [];
    let chunk: MemberFact[] = [];
    let used = 0;
    for (const f of facts.slice(0, maxFacts)) {
      const n = factBytes(f);
      if (used + n > room && chunk.length > 0) {
        chunks.push(chunk);
        chunk = [];
        used = 0;
      }
      chunk.push(f);
      used += n;
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  }
}
