// Shared pieces of the membership tests: a key, hand-made packets, action filters.
import { createSecretKey } from 'node:crypto';
import { Membership, type MembershipOptions } from '../membership.js';
import type { HeartbeatKey, MembershipAction, MembershipEvent, Peer } from '../types.js';
import { decodePacket, encodePacket, type DecodedPacket, type PacketBody } from '../wire.js';

export const SECRET = new Uint8Array(32).fill(1);
export const KEY: HeartbeatKey = { id: 'k1', secret: SECRET, firstSeenAt: -Infinity };
export const WALL0 = 1_750_000_000_000;

export const addressOf = (node: string): string => `addr-${node}`;
export const peersOf = (nodes: readonly string[]): Peer[] => nodes.map((node) => ({ node, address: addressOf(node) }));

/** A signed packet as `sender` would send it. */
export function packet(o: { sender: string; incarnation: number; seq: number; body: PacketBody; timestamp?: number; keyId?: string; secret?: Uint8Array }): Uint8Array {
  const key = createSecretKey(Buffer.from(o.secret ?? SECRET));
  return encodePacket({ keyId: o.keyId ?? KEY.id, sender: o.sender, incarnation: o.incarnation, seq: o.seq, timestamp: o.timestamp ?? WALL0 }, o.body, key);
}

export const sendsOf = (actions: readonly MembershipAction[]) => actions.filter((a): a is Extract<MembershipAction, { kind: 'send' }> => a.kind === 'send');
export const eventsOf = (actions: readonly MembershipAction[]): MembershipEvent[] => actions.flatMap((a) => (a.kind === 'event' ? [a.event] : []));
export const decodedSends = (actions: readonly MembershipAction[]): (DecodedPacket & { to: string })[] => sendsOf(actions).map((s) => ({ ...decodePacket(s.bytes)!, to: s.to }));

/** A machine named `self` with key KEY and these peers, started at now = 0 / WALL0. */
export function machine(self: string, peers: readonly string[], o: Partial<MembershipOptions> = {}): { m: Membership; first: MembershipAction[] } {
  const m = new Membership({ self, incarnation: WALL0, random: () => 0.5, ...o });
  const first = [...m.setKeys([KEY], 0), ...m.setPeers(peersOf(peers), 0, WALL0)];
  return { m, first };
}
