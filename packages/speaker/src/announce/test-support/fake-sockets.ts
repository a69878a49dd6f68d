// An in-memory PacketSocket world for runtime tests: records what is sent and joined,
// delivers frames on demand, and fails on request.
import { ErrorCodes } from '@ironlb/core';
import type { OpenPacketSocket, PacketSocket, PacketSocketOptions } from '../../packet/packet-socket.js';
import { PacketSocketError } from '../../packet/socket-error.js';

export class FakeSocket implements PacketSocket {
  readonly sent: Uint8Array[] = [];
  readonly groups = new Set<string>();
  closed = false;
  failSends = false;

  constructor(
    readonly options: PacketSocketOptions,
    readonly mac: string,
    readonly hwType: number,
    readonly ifindex: number,
  ) {}

  get iface(): string {
    return this.options.iface;
  }

  send(frame: Uint8Array): void {
    if (this.closed) throw new PacketSocketError(ErrorCodes.SocketIo, 'closed', { errno: 'EBADF', iface: this.iface });
    if (this.failSends) throw new PacketSocketError(ErrorCodes.SocketIo, 'no buffer space', { errno: 'ENOBUFS', iface: this.iface });
    this.sent.push(frame);
  }

  addMembership(group: string): void {
    this.groups.add(group);
  }

  dropMembership(group: string): void {
    this.groups.delete(group);
  }

  close(): void {
    this.closed = true;
  }

  /** Hands a frame to the socket's owner, as the event loop would. */
  deliver(frame: Uint8Array): void {
    if (!this.closed) this.options.onFrame(frame, 0);
  }
}

export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  /** Interfaces that exist, with their MAC and ARPHRD type. */
  readonly ifaces = new Map<string, { mac: string; hwType: number }>();

  readonly open: OpenPacketSocket = (options) => {
    const iface = this.ifaces.get(options.iface);
    if (!iface) throw new PacketSocketError(ErrorCodes.SocketOpen, `no such device ${options.iface}`, { errno: 'ENODEV', iface: options.iface });
    const s = new FakeSocket(options, iface.mac, iface.hwType, this.sockets.length + 1);
    this.sockets.push(s);
    return s;
  };

  /** The open socket for an interface and ethertype. */
  socket(iface: string, protocol: number): FakeSocket | undefined {
    return this.sockets.find((s) => !s.closed && s.iface === iface && s.options.protocol === protocol);
  }
}
