// ICMPv6 checksum (RFC 4443 §2.3): the 16-bit one's complement of the one's complement
// sum of the IPv6 pseudo-header (RFC 8200 §8.1: source, destination, upper-layer packet
// length as 32 bits, three zero bytes, next header 58) and the ICMPv6 message.

export const ICMPV6_NEXT_HEADER = 58;

/** Adds big-endian 16-bit words of bytes[start, end) to `sum`; an odd last byte is padded with zero. */
function addWords(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * One's complement sum over the pseudo-header and message of an IPv6 packet laid out in
 * `packet` at `ipOffset` with an ICMPv6 message of `icmpLength` bytes right after the
 * 40-byte header. The checksum field is summed as it stands.
 */
function packetSum(packet: Uint8Array, ipOffset: number, icmpLength: number): number {
  let sum = addWords(packet, ipOffset + 8, ipOffset + 40, 0); // source and destination
  sum += Math.floor(icmpLength / 0x10000) + (icmpLength & 0xffff) + ICMPV6_NEXT_HEADER;
  sum = addWords(packet, ipOffset + 40, ipOffset + 40 + icmpLength, sum);
  return fold(sum);
}

/** Checksum to store, computed with the message's checksum field (bytes 2–3) taken as zero. */
export function computeIcmpv6Checksum(packet: Uint8Array, ipOffset: number, icmpLength: number): number {
  const c = ipOffset + 42;
  const saved = (packet[c]! << 8) | packet[c + 1]!;
  let sum = packetSum(packet, ipOffset, icmpLength);
  // Remove the stored field instead of copying the packet: subtracting in one's complement
  // arithmetic is adding its complement.
  sum = fold(sum + (~saved & 0xffff));
  const result = ~sum & 0xffff;
  // 0x0000 and 0xffff are the same number in one's complement; UDP reserves 0 but ICMPv6
  // does not, so keep the natural result.
  return result;
}

/** True when the stored checksum verifies: the sum over everything is 0xffff. */
export function verifyIcmpv6Checksum(packet: Uint8Array, ipOffset: number, icmpLength: number): boolean {
  return packetSum(packet, ipOffset, icmpLength) === 0xffff;
}

/** Checksum of a standalone message (checksum field zero) between two addresses. */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  const packet = new Uint8Array(40 + message.length);
  packet.set(src, 8);
  packet.set(dst, 24);
  packet.set(message, 40);
  packet[42] = 0;
  packet[43] = 0;
  return computeIcmpv6Checksum(packet, 0, message.length);
}
