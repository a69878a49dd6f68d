// Ethernet MAC addresses. Decoded frames carry MACs as canonical strings
// ('aa:bb:cc:dd:ee:ff', lowercase) so they compare with === and log as they print.

export type MacAddress = string;

export const BROADCAST_MAC: MacAddress = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: MacAddress = '00:00:00:00:00:00';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Formats six bytes starting at `offset`; the caller guarantees they exist. */
export function formatMac(bytes: Uint8Array, offset = 0): MacAddress {
  return (
    HEX[bytes[offset]!]! +
    ':' +
    HEX[bytes[offset + 1]!]! +
    ':' +
    HEX[bytes[offset + 2]!]! +
    ':' +
    HEX[bytes[offset + 3]!]! +
    ':' +
    HEX[bytes[offset + 4]!]! +
    ':' +
    HEX[bytes[offset + 5]!]!
  );
}

/** Parses 'aa:bb:cc:dd:ee:ff' or 'aa-bb-…' (any case); undefined when malformed. */
export function parseMac(text: string): Uint8Array | undefined {
  if (!MAC_RE.test(text)) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(text.slice(i * 3, i * 3 + 2), 16);
  return out;
}

/** Canonical lowercase colon form, or undefined when malformed. */
export function normalizeMac(text: string): MacAddress | undefined {
  const bytes = parseMac(text);
  return bytes && formatMac(bytes);
}

/** Like parseMac but for values the program built itself: a bad one is a bug. */
export function macBytes(mac: MacAddress): Uint8Array {
  const bytes = parseMac(mac);
  if (!bytes) throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`);
  return bytes;
}

/** Group bit (I/G) of the first octet: multicast and broadcast. */
export function isMulticastMac(mac: MacAddress): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
