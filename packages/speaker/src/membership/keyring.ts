// The heartbeat keys this speaker holds: every current key verifies, one signs. Rotation
// (add a key, later delete the old one) must never make a peer drop our heartbeats, which
// would be a false failover; so a key signs only once we have known it for
// keyActivationDelayMs, long after every peer's Secret watch delivered it too.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { ErrorCodes, IronlbError } from '@ironlb/core';
import type { HeartbeatKey } from './types.js';
import { MAX_KEY_ID_BYTES } from './wire.js';

export const MIN_SECRET_BYTES = 16;

interface HeldKey {
  readonly id: string;
  readonly firstSeenAt: number;
  readonly key: KeyObject;
}

export class KeyRing {
  #keys = new Map<string, HeldKey>();

  /**
   * Replaces the key set. Throws IronlbError(Config) for an id that is empty, over 64 bytes
   * or duplicated, or a secret under 16 bytes; the previous set is kept then.
   */
  set(keys: readonly HeartbeatKey[]): void {
    const next = new Map<string, HeldKey>();
    for (const k of keys) {
      const idBytes = new TextEncoder().encode(k.id).length;
      if (idBytes < 1 || idBytes > MAX_KEY_ID_BYTES) throw new IronlbError(ErrorCodes.Config, `heartbeat key id "${k.id.slice(0, 40)}" must be 1..${MAX_KEY_ID_BYTES} bytes`);
      if (k.secret.length < MIN_SECRET_BYTES) throw new IronlbError(ErrorCodes.Config, `heartbeat key "${k.id}" secret must be at least ${MIN_SECRET_BYTES} bytes`);
      if (next.has(k.id)) throw new IronlbError(ErrorCodes.Config, `heartbeat key id "${k.id}" appears twice`);
      const held = this.#keys.get(k.id);
      // Same bytes: keep the KeyObject (cheap) — but a changed secret under the same id is a new key.
      const key = held && sameSecret(held.key, k.secret) ? held.key : createSecretKey(Buffer.from(k.secret));
      next.set(k.id, { id: k.id, firstSeenAt: k.firstSeenAt, key });
    }
    this.#keys = next;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** The key that verifies packets signed with `id`, if we hold it. */
  verifier(id: string): KeyObject | undefined {
    return this.#keys.get(id)?.key;
  }

  /**
   * The key to sign with at `now`: among keys known for ≥ activationDelayMs, the most
   * recently seen (ties: the greatest id); when none is that old yet, the longest known
   * (ties: the greatest id). undefined without keys.
   */
  signer(now: number, activationDelayMs: number): { id: string; key: KeyObject } | undefined {
    let best: HeldKey | undefined;
    let bestActive = false;
    for (const k of this.#keys.values()) {
      const active = now - k.firstSeenAt >= activationDelayMs;
      if (best === undefined || (active && !bestActive)) {
        best = k;
        bestActive = active;
        continue;
      }
      if (active !== bestActive) continue;
      const newer = k.firstSeenAt > best.firstSeenAt || (k.firstSeenAt === best.firstSeenAt && k.id > best.id);
      const older = k.firstSeenAt < best.firstSeenAt || (k.firstSeenAt === best.firstSeenAt && k.id > best.id);
      if (active ? newer : older) best = k;
    }
    return best && { id: best.id, key: best.key };
  }
}

function sameSecret(key: KeyObject, secret: Uint8Array): boolean {
  return Buffer.from(secret).equals(key.export());
}
