// Failures of the packet layer: an IronlbError with a stable code, plus the errno name
// ('EPERM', 'ENODEV', 'ENETDOWN'…), the failing syscall and the interface, so callers can
// switch on `errno` and logs say where it happened.
import { IronlbError, type ErrorCode } from '@ironlb/core';

export interface PacketSocketErrorDetails {
  readonly errno: string;
  readonly iface: string;
  readonly syscall?: string;
  readonly cause?: unknown;
  /** The socket stopped receiving (see PacketSocketError.stopped). */
  readonly stopped?: boolean;
}

export class PacketSocketError extends IronlbError {
  readonly errno: string;
  readonly iface: string;
  readonly syscall: string | undefined;
  /**
   * Only on receive errors (onError): the socket no longer receives and will not recover
   * by itself (the addon stopped polling after repeated POLLERR wake-ups it could neither
   * explain nor clear). Close it and open a new one. false for every other error.
   */
  readonly stopped: boolean;

  constructor(code: ErrorCode, message: string, details: PacketSocketErrorDetails) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PacketSocketError';
    this.errno = details.errno;
    this.iface = details.iface;
    this.syscall = details.syscall;
    this.stopped = details.stopped === true;
  }
}

/** True when the error means the process lacks CAP_NET_RAW. */
export function isPermissionError(e: unknown): boolean {
  return e instanceof PacketSocketError && (e.errno === 'EPERM' || e.errno === 'EACCES');
}
