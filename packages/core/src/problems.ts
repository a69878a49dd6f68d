// One shape for everything wrong with user input, so the controller can turn any of it
// into an Event, a status condition and a log line without knowing where it came from.
import type { ErrorCode } from './errors.js';

/** Fine-grained, stable reasons; `code` groups them into the ErrorCodes families. */
export type ProblemReason =
  | 'required'
  | 'empty'
  | 'invalid-address'
  | 'invalid-cidr'
  | 'invalid-range'
  | 'range-reversed'
  | 'mixed-family'
  | 'host-bits-set'
  | 'duplicate'
  | 'overlap'
  | 'invalid-selector'
  | 'invalid-value';

export interface Problem {
  /** Which object, as "Kind namespace/name", e.g. "IPAddressPool metallb-system/blue". */
  object: string;
  /** JSON-ish path to the field, e.g. "spec.addresses[2]". */
  field: string;
  /** The offending value as the user wrote it (stringified). */
  value: string;
  code: ErrorCode;
  reason: ProblemReason;
  /** A full sentence naming the object, the field and the value. */
  message: string;
}

/** Names an object the way every message does. */
export function describeObject(kind: string, namespace: string | undefined, name: string | undefined): string {
  const n = name && name.length > 0 ? name : '<unnamed>';
  return namespace ? `${kind} ${namespace}/${n}` : `${kind} ${n}`;
}

/** Quotes a value for a message; non-strings are JSON-encoded so nothing is hidden. */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function makeProblem(
  object: string,
  field: string,
  value: unknown,
  code: ErrorCode,
  reason: ProblemReason,
  detail: string,
): Problem {
  const shown = typeof value === 'string' ? value : quoteValue(value);
  return { object, field, value: shown, code, reason, message: `${object}: ${field} ${quoteValue(value)}: ${detail}` };
}
