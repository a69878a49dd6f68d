// The node order for one service IP, exactly as MetalLB's layer-2 speaker computes it
// (speaker/layer2_controller.go, ShouldAnnounce): sort nodes ascending by the raw bytes of
// sha256(node + "#" + ip), compare with bytes.Compare, first one announces. Matching it
// byte for byte is what lets ironlb and MetalLB speakers share a cluster during a
// migration and still agree on one owner per IP.
import { createHash, hash } from 'node:crypto';
import { parseAddress } from '../address.js';

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
  // Memoised per IP: the node set rarely changes, so an election re-run (every failover,
  // every informer event) filters a cached order in O(n) instead of hashing every
  // (node, IP) pair again — at 1,000 nodes × 1,000 IPs that is 1M sha256 per election.
  const cached = orderCache.get(ip);
  if (cached && nodes.every((n) => cached.members.has(n))) {
    const want = new Set(nodes);
    return cached.order.filter((n) => want.has(n));
  }
  // Keep departed nodes in the cached order only while they are few (node churn).
  const keep = cached && cached.order.length <= 2 * nodes.length + 16 ? cached.order : [];
  const all = [...new Set([...keep, ...nodes])];
  const keyed = all.map((node) => ({ node, digest: digestKey(node, ip) }));
  keyed.sort((a, b) => compareStrings(a.digest, b.digest) || compareStrings(a.node, b.node));
  const order = keyed.map((k) => k.node);
  if (orderCache.size >= MAX_CACHED_IPS) orderCache.clear();
  orderCache.set(ip, { order, members: new Set(order) });
  const want = new Set(nodes);
  return order.filter((n) => want.has(n));
}

/** Bounded: a cluster has at most a few tens of thousands of service IPs. */
const MAX_CACHED_IPS = 65_536;
const orderCache = new Map<string, { order: string[]; members: Set<string> }>();

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
