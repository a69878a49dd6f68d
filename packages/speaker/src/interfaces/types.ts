// What the speaker knows about a network interface, and the port that lists them.
import type { MacAddress } from '../packet/codec/mac.js';

export interface NetInterface {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: MacAddress;
  /** ARPHRD_* (1 = Ethernet, 772 = loopback, 65534 = none, e.g. WireGuard). */
  readonly type: number;
  /** dev->flags: IFF_UP 0x1, IFF_LOOPBACK 0x8, IFF_NOARP 0x80 … */
  readonly flags: number;
  /** RFC 2863 state: 'up', 'down', 'lowerlayerdown', 'unknown' (dummy, tun) … */
  readonly operstate: string;
  readonly mtu: number;
  /** Bridge or bond this interface is enslaved to. */
  readonly master: string | undefined;
}

export interface InterfaceLister {
  /**
   * Every interface, or only those of `names` that exist (a node with a veth per pod has
   * hundreds; the runtime's rescan needs the few that carry entries).
   */
  list(names?: readonly string[]): Promise<NetInterface[]>;
}

export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
export const IFF_NOARP = 0x80;
export const ARPHRD_ETHER = 1;
