// The PacketSocket port: the only view the announcer runtime has of the wire. The native
// implementation lives in native-socket.ts; tests pass fakes that record what was sent.
import type { MacAddress } from './codec/mac.js';
import type { BpfInstruction } from './bpf.js';
import type { PacketSocketError } from './socket-error.js';

/** sll_pkttype of a received frame (linux/if_packet.h). Outgoing frames are never delivered. */
export const PacketType = { Host: 0, Broadcast: 1, Multicast: 2, OtherHost: 3 } as const;

export interface PacketSocketOptions {
  /** Interface name, resolved to an ifindex in the caller's network namespace. */
  readonly iface: string;
  /** Ethertype to bind to (0x0806 ARP, 0x86dd IPv6). */
  readonly protocol: number;
  /** Classic BPF program, attached before bind so nothing unfiltered is queued. */
  readonly filter?: readonly BpfInstruction[];
  /** Called on the event loop for every received frame. The buffer is the caller's to keep. */
  readonly onFrame: (frame: Uint8Array, packetType: number) => void;
  /**
   * Receive errors (ENETDOWN when the link drops…); the socket keeps listening, except
   * after an error with `stopped: true`, which asks the owner to close and reopen it.
   */
  readonly onError?: (error: PacketSocketError) => void;
}

export interface PacketSocket {
  readonly iface: string;
  readonly ifindex: number;
  /** Hardware address of the interface when the socket was opened. */
  readonly mac: MacAddress;
  /** ARPHRD_* type (1 = Ethernet). */
  readonly hwType: number;
  /** Sends one complete Ethernet frame out of the interface; throws PacketSocketError. */
  send(frame: Uint8Array): void;
  /** Joins an Ethernet multicast group (e.g. a solicited-node 33:33:ff:xx:xx:xx). */
  addMembership(group: MacAddress): void;
  dropMembership(group: MacAddress): void;
  /** Idempotent. Stops delivery at once; the fd itself is closed off the event loop. */
  close(): void;
}

export type OpenPacketSocket = (options: PacketSocketOptions) => PacketSocket;
