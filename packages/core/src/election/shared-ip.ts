// Services that share an IP (metallb.io/allow-shared-ip) must be announced by ONE node:
// two nodes answering ARP for the same address is the split brain L2 mode exists to avoid.
// MetalLB gets this implicitly (same first IP, same node set → same hash order); with
// externalTrafficPolicy Local the node sets differ, so we group explicitly.

/**
 * Partitions items into groups connected by any common IP (union-find over canonical
 * IP text), so a dual-stack Service sharing only its second address with another still
 * lands in one group and no IP can get two owners. Items without IPs are left out.
 * Groups and their members keep the order of `items`.
 */
export function groupBySharedIp<T>(items: readonly T[], ipsOf: (item: T) => readonly string[]): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    // Path compression keeps repeated finds flat on large shared groups.
    while (parent[i] !== root) {
      const next = parent[i] as number;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const holder = new Map<string, number>();
  items.forEach((item, i) => {
    for (const ip of ipsOf(item)) {
      const other = holder.get(ip);
      if (other === undefined) holder.set(ip, i);
      else {
        const a = find(i);
        const b = find(other);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    if (ipsOf(item).length === 0) return;
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(item);
    else groups.set(root, [item]);
  });
  return [...groups.values()];
}
