// The heartbeat socket: the only membership file that touches the network. A thin
// adapter — datagrams in, datagrams out; everything else is the pure Membership machine.
// A lost or refused datagram is what heartbeats are built to tolerate, so send errors are
// counted, never thrown into the caller.
import { createSocket, type Socket } from 'node:dgram';
import { ErrorCodes, IronlbError, parseAddress, type AddressFamily } from '@ironlb/core';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  readonly family: AddressFamily;
}

/** "ip:port" or "[v6]:port" (port 0..65535); undefined when malformed. */
export function parseEndpoint(s: string): Endpoint | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  const parsed = parseAddress(m[1] ?? m[2]!);
  if (!parsed.ok || port > 65535 || (m[1] !== undefined) !== (parsed.address.family === 6)) return undefined;
  return { ip: parsed.address.normalized, port, family: parsed.address.family };
}

export function formatEndpoint(e: Endpoint): string {
  return e.family === 6 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export interface HeartbeatSocketStats {
  sent: number;
  received: number;
  /** Datagrams that could not be sent (bad address, unreachable, buffer full …). */
  sendErrors: number;
  /** 'error' events of the socket. */
  socketErrors: number;
}

export interface HeartbeatSocket {
  /** Fire and forget: never throws; failures only count in `stats().sendErrors`. */
  send(to: string, bytes: Uint8Array): void;
  /** The bound endpoint, port resolved ("ip:port" / "[v6]:port"). */
  readonly address: string;
  close(): Promise<void>;
  stats(): HeartbeatSocketStats;
}

/**
 * Binds a UDP socket (udp4 or udp6 by the address's family) and calls `onPacket` for every
 * datagram. Rejects with IronlbError(Config) for a malformed address, (SocketOpen) when the
 * bind fails. A udp6 socket sends to IPv4 peers as IPv4-mapped addresses (dual stack).
 */
export function openHeartbeatSocket(bindAddress: string, onPacket: (bytes: Uint8Array) => void): Promise<HeartbeatSocket> {
  const bind = parseEndpoint(bindAddress);
  if (!bind) return Promise.reject(new IronlbError(ErrorCodes.Config, `heartbeat bind address "${bindAddress}" is not ip:port or [v6]:port`));
  const socket = createSocket({ type: bind.family === 6 ? 'udp6' : 'udp4' });
  const stats: HeartbeatSocketStats = { sent: 0, received: 0, sendErrors: 0, socketErrors: 0 };
  return new Promise((resolve, reject) => {
    const failBind = (err: Error) => {
      socket.close();
      reject(new IronlbError(ErrorCodes.SocketOpen, `cannot bind heartbeat socket ${bindAddress}: ${err.message}`, { cause: err }));
    };
    socket.once('error', failBind);
    socket.bind(bind.port, bind.ip, () => {
      socket.off('error', failBind);
      socket.on('error', () => void stats.socketErrors++);
      socket.on('message', (msg) => {
        stats.received++;
        onPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
      });
      const local = socket.address();
      resolve(heartbeatSocket(socket, bind.family, formatEndpoint({ ip: local.address, port: local.port, family: bind.family }), stats));
    });
  });
}

function heartbeatSocket(socket: Socket, family: AddressFamily, address: string, stats: HeartbeatSocketStats): HeartbeatSocket {
  const targets = new Map<string, Endpoint | undefined>();
  let closed = false;
  return {
    address,
    stats: () => ({ ...stats }),
    send(to, bytes) {
      let target = targets.get(to);
      if (!targets.has(to)) {
        if (targets.size >= 4096) targets.clear(); // peers' addresses churned; bound the cache
        targets.set(to, (target = parseEndpoint(to)));
      }
      if (closed || !target || (target.family === 6 && family === 4)) {
        stats.sendErrors++;
        return;
      }
      const ip = target.family === 4 && family === 6 ? `::ffff:${target.ip}` : target.ip;
      try {
        socket.send(bytes, target.port, ip, (err) => void (err ? stats.sendErrors++ : stats.sent++));
      } catch {
        stats.sendErrors++;
      }
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
