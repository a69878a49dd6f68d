// The one file that loads the ironlb_packet addon (native/, built by node-gyp during
// `npm ci`). Everything else talks to the PacketSocket port.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, IronlbError, type ErrorCode } from '@ironlb/core';
import { formatMac, macBytes } from './codec/mac.js';
import type { OpenPacketSocket, PacketSocket, PacketSocketOptions } from './packet-socket.js';
import { PacketSocketError } from './socket-error.js';

interface NativeError extends Error {
  code?: string;
  syscall?: string;
  iface?: string;
  stopped?: boolean;
}

interface NativeRawSocket {
  readonly iface: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  readonly hwType: number;
  send(frame: Uint8Array): number;
  addMembership(mac: Uint8Array): void;
  dropMembership(mac: Uint8Array): void;
  close(): void;
  ref(): void;
  unref(): void;
}

interface NativeBinding {
  RawSocket: new (options: {
    iface: string;
    protocol: number;
    filter?: readonly { code: number; jt: number; jf: number; k: number }[];
    onFrame: (frame: Uint8Array, packetType: number) => void;
    onError: (error: NativeError) => void;
  }) => NativeRawSocket;
  interfaceInfo(name: string): { name: string; ifindex: number; mac: Uint8Array; hwType: number; flags: number; mtu: number };
  stats(): { liveSockets: number; pendingCloses: number };
}

let binding: NativeBinding | undefined;

/** Both src/packet and dist/packet sit two levels below the package root. */
function addonCandidates(): string[] {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const fromEnv = process.env['IRONLB_PACKET_ADDON'];
  return [
    ...(fromEnv ? [fromEnv] : []),
    `${root}build/Release/ironlb_packet.node`,
    `${root}build/Debug/ironlb_packet.node`,
  ];
}

// Loaded lazily so that importing the package (for the codecs or types) works on a
// machine where the addon was not built.
function loadBinding(): NativeBinding {
  if (binding) return binding;
  const candidates = addonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new IronlbError(
      ErrorCodes.NativeAddon,
      `ironlb_packet addon not built (looked in ${candidates.join(', ')}); run \`npm rebuild @ironlb/speaker\``,
    );
  }
  try {
    binding = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (cause) {
    throw new IronlbError(ErrorCodes.NativeAddon, `cannot load ${path}: ${(cause as Error).message}`, { cause });
  }
  return binding;
}

function wrapError(code: ErrorCode, e: unknown, iface: string): unknown {
  const n = e as NativeError;
  if (!(e instanceof Error) || typeof n.code !== 'string' || !/^E[A-Z0-9]+$/.test(n.code)) return e;
  return new PacketSocketError(code, n.message, { errno: n.code, iface: n.iface ?? iface, syscall: n.syscall, cause: e, ...(n.stopped === true ? { stopped: true } : {}) });
}

class NativePacketSocket implements PacketSocket {
  readonly iface: string;
  readonly ifindex: number;
  readonly mac: string;
  readonly hwType: number;
  readonly #raw: NativeRawSocket;

  constructor(raw: NativeRawSocket) {
    this.#raw = raw;
    this.iface = raw.iface;
    this.ifindex = raw.ifindex;
    this.mac = formatMac(raw.mac);
    this.hwType = raw.hwType;
  }

  send(frame: Uint8Array): void {
    try {
      this.#raw.send(frame);
    } catch (e) {
      throw wrapError(ErrorCodes.SocketIo, e, this.iface);
    }
  }

  addMembership(group: string): void {
    try {
      this.#raw.addMembership(macBytes(group));
    } catch (e) {
      throw wrapError(ErrorCodes.SocketIo, e, this.iface);
    }
  }

  dropMembership(group: string): void {
    try {
      this.#raw.dropMembership(macBytes(group));
    } catch (e) {
      throw wrapError(ErrorCodes.SocketIo, e, this.iface);
    }
  }

  close(): void {
    this.#raw.close();
  }

  /** Lets the process exit while the socket is open (tests, one-shot tools). */
  unref(): void {
    this.#raw.unref();
  }
}

/** Opens an AF_PACKET socket; throws PacketSocketError (errno 'EPERM' without CAP_NET_RAW, 'ENODEV'…). */
export const openPacketSocket: OpenPacketSocket = (options: PacketSocketOptions): NativePacketSocket => {
  const native = loadBinding();
  const onError = options.onError;
  try {
    const raw = new native.RawSocket({
      iface: options.iface,
      protocol: options.protocol,
      ...(options.filter ? { filter: options.filter } : {}),
      onFrame: options.onFrame,
      onError: (e) => onError?.(wrapError(ErrorCodes.SocketIo, e, options.iface) as PacketSocketError),
    });
    return new NativePacketSocket(raw);
  } catch (e) {
    throw wrapError(ErrorCodes.SocketOpen, e, options.iface);
  }
};

export interface NativeInterfaceInfo {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: string;
  readonly hwType: number;
  readonly flags: number;
  readonly mtu: number;
}

/** ifindex, MAC, ARPHRD type, flags and MTU via ioctl in this process's network namespace. */
export function interfaceInfo(name: string): NativeInterfaceInfo {
  try {
    const info = loadBinding().interfaceInfo(name);
    return { ...info, mac: formatMac(info.mac) };
  } catch (e) {
    throw wrapError(ErrorCodes.SocketOpen, e, name);
  }
}

/** Sockets whose poll handle is not yet closed, and fds still queued for closing (tests). */
export function nativeStats(): { liveSockets: number; pendingCloses: number } {
  return loadBinding().stats();
}
