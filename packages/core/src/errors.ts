// Real errors carry a stable `code` callers can switch on, and the underlying `cause`.
// Expected conditions (pool exhausted, bad annotation, conflict) are NOT errors: they
// are typed result values that become Events, conditions and metrics.

export const ErrorCodes = {
  InvalidAddress: 'IRONLB_INVALID_ADDRESS',
  InvalidPool: 'IRONLB_INVALID_POOL',
  InvalidAdvertisement: 'IRONLB_INVALID_ADVERTISEMENT',
  InvalidSelector: 'IRONLB_INVALID_SELECTOR',
  PoolOverlap: 'IRONLB_POOL_OVERLAP',
  InvalidServiceRequest: 'IRONLB_INVALID_SERVICE_REQUEST',
  PoolExhausted: 'IRONLB_POOL_EXHAUSTED',
  SocketOpen: 'IRONLB_SOCKET_OPEN',
  SocketIo: 'IRONLB_SOCKET_IO',
  NativeAddon: 'IRONLB_NATIVE_ADDON',
  KubeApi: 'IRONLB_KUBE_API',
  Config: 'IRONLB_CONFIG',
  NotImplemented: 'IRONLB_NOT_IMPLEMENTED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class IronlbError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IronlbError';
    this.code = code;
  }
}

export function isIronlbError(e: unknown, code?: ErrorCode): e is IronlbError {
  return e instanceof IronlbError && (code === undefined || e.code === code);
}
