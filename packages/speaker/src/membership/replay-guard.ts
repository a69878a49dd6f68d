// Replay protection for authenticated packets: a captured packet re-sent later must not
// count again (a replayed heartbeat would keep a dead node alive). Sequence numbers run
// per sender → receiver pair within one sender incarnation, so a receiver sees them almost
// contiguous; a 32-packet sliding window (as IPsec's, RFC 4303 §3.4.3) still accepts what
// UDP delivered out of order — ~1–3 s worth at heartbeat rates.

export const REPLAY_WINDOW = 32;

interface SenderRecord {
  incarnation: number;
  /** Highest sequence number accepted. */
  max: number;
  /** Bit d set: sequence number max - d was accepted. */
  bits: number;
}

export class ReplayGuard {
  #senders = new Map<string, SenderRecord>();

  /**
   * Accepts (and records) a packet's (incarnation, seq) from `sender`, or rejects it as a
   * replay: an older incarnation than one already accepted, a sequence number already
   * seen, or one older than the window.
   */
  accept(sender: string, incarnation: number, seq: number): boolean {
    const r = this.#senders.get(sender);
    if (r === undefined || incarnation > r.incarnation) {
      this.#senders.set(sender, { incarnation, max: seq, bits: 1 });
      return true;
    }
    if (incarnation < r.incarnation) return false;
    if (seq > r.max) {
      const shift = seq - r.max;
      r.bits = shift >= REPLAY_WINDOW ? 1 : ((r.bits << shift) | 1) >>> 0;
      r.max = seq;
      return true;
    }
    const d = r.max - seq;
    if (d >= REPLAY_WINDOW || (r.bits & (1 << d)) !== 0) return false;
    r.bits = (r.bits | (1 << d)) >>> 0;
    return true;
  }

  /** The newest incarnation accepted from `sender`. */
  incarnation(sender: string): number | undefined {
    return this.#senders.get(sender)?.incarnation;
  }

  forget(sender: string): void {
    this.#senders.delete(sender);
  }
}
