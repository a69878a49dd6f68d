// The node order for one service IP, exactly as MetalLB's layer-2 speaker computes it
// (speaker/layer2_controller.go, ShouldAnnounce): sort nodes ascending by the raw bytes of
// sha256(node + "#" + ip), compare with bytes.Compare, first one announces. Matching it
// byte for byte is what lets ironlb and MetalLB speakers share a cluster during a
// migration and still agree on one owner per IP.
import { createHash, hash } from 'node:crypto';
import { parseAddress } from '@ironlb/core';

/** sha256(`${node}#${ip}`) as raw bytes (32). */
export function hashNodeForIp(node: string, ip: string): Buffer {
  return createHash('sha256').update(`${node}#${ip}`, 'utf8').digest();
}

/**
 * The same digest as a "binary" (latin1) string: one code unit per byte, 0–255, so
 * comparing two such strings with `<` is exactly bytes.Compare on the raw digests. It is
 * ~4x faster than a Buffer per hash (no allocation), which matters at 1,000 nodes ×
 * thousands of IPs.
 */
function digestKey(node: string, ip: string): string {
  return hash('sha256', `${node}#${ip}`, 'binary');
}

/**
 * `nodes` sorted ascending by the bytes of sha256(`${node}#${ip}`); a new array, the input
 * is not touched. `ip` is hashed as given: pass the canonical text (Go's net.IP.String():
 * dotted quad, RFC 5952 IPv6), see {@link canonicalIp}. Equal digests (only equal names)
 * keep a name order so the result never depends on input order.
 */
export function electionOrder(nodes: readonly string[], ip: string): string[] {
  const keyed = nodes.map((node) => ({ node, digest: digestKey(node, ip) }));
  keyed.sort((a, b) => compareStrings(a.digest, b.digest) || compareStrings(a.node, b.node));
  return keyed.map((k) => k.node);
}

/**
 * The text MetalLB hashes for an IP: Go's net.IP.String(), i.e. dotted quad or RFC 5952
 * lower-case compressed IPv6 — the same as core's normalized form. Text that does not
 * parse is returned trimmed, so a garbled status still gets a stable order.
 */
export function canonicalIp(ip: string): string {
  const parsed = parseAddress(ip);
  return parsed.ok ? parsed.address.normalized : ip.trim();
}

/** Code-unit order, independent of locale (never localeCompare: results must be identical on every node). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy with duplicates removed. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}
