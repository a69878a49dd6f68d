// Addresses inside a segment are handled as offsets from its first address. An offset is
// a JS number while it is a safe integer (always for IPv4; for IPv6 in practice, as
// first-fit hands out low offsets) and a bigint only beyond 2^53. Numbers avoid a heap
// BigInt per comparison and per map key, which halves the cost of the free-run tree
// once it holds a million runs. The representation is canonical (number whenever
// possible), so `===` compares values, and `<` compares across both kinds.

export type Off = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toOff(v: bigint): Off {
  return v <= MAX_SAFE ? Number(v) : v;
}

export function offToBigInt(o: Off): bigint {
  return typeof o === 'number' ? BigInt(o) : o;
}

/** o + 1, staying canonical. */
export function offNext(o: Off): Off {
  if (typeof o === 'number') return o < Number.MAX_SAFE_INTEGER ? o + 1 : BigInt(o) + 1n;
  return o + 1n;
}

/** o - 1, staying canonical (may be -1 for o = 0: "before the segment"). */
export function offPrev(o: Off): Off {
  if (typeof o === 'number') return o - 1;
  return toOff(o - 1n);
}

/** o + 2, for the few places that look two addresses ahead. */
export function offPlus2(o: Off): Off {
  return offNext(offNext(o));
}
