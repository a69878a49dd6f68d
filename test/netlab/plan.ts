// The address plan and names of one netlab. Documentation ranges only (RFC 5737 /
// RFC 3849): nothing here is ever routed off this machine. Every name carries the run's
// id so concurrent or leaked runs never share a namespace or link name.

export const SUBNET4 = '198.51.100.0/24';
export const SUBNET6 = '2001:db8:100::/64';
export const BRIDGE_IP = '198.51.100.1';
export const BRIDGE_IP6 = '2001:db8:100::1';
export const CLIENT_IP = '198.51.100.100';
export const CLIENT_IP6 = '2001:db8:100::100';
export const MAX_NODES = 89; // nodes live at .11-.99

export interface NodePlan {
  name: string;
  netns: string;
  hostVeth: string;
  ip: string;
  ipv6: string;
  mac: string;
}

export interface NetlabPlan {
  id: string;
  bridge: string;
  nodes: NodePlan[];
  client: { netns: string; hostVeth: string; ip: string; ipv6: string; mac: string };
}

/** Ids are 5 chars of [a-z0-9]; with the `ilb` prefix a link name stays within 15 bytes. */
export function isValidId(id: string): boolean {
  return /^[a-z0-9]{5}$/.test(id);
}

export function newId(): string {
  let s = '';
  while (s.length < 5) s += Math.floor(Math.random() * 36).toString(36);
  return s;
}

function mac(id: string, host: number): string {
  // Locally administered unicast (02:...), derived from the id so runs differ.
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) & 0xffffff;
  const b = [0x02, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff, 0x00, host];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function makePlan(id: string, nodeCount: number): NetlabPlan {
  if (!isValidId(id)) throw new Error(`netlab id must be 5 chars of [a-z0-9], got "${id}"`);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODES) {
    throw new Error(`--nodes must be an integer from 1 to ${MAX_NODES}, got ${nodeCount}`);
  }
  const p = `ilb${id}`;
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= nodeCount; i++) {
    const host = 10 + i;
    nodes.push({
      name: `node-${i}`,
      netns: `${p}-node-${i}`,
      hostVeth: `${p}n${i}`,
      ip: `198.51.100.${host}`,
      ipv6: `2001:db8:100::${host}`,
      mac: mac(id, host),
    });
  }
  return {
    id,
    bridge: `${p}br`,
    nodes,
    client: { netns: `${p}-client`, hostVeth: `${p}c`, ip: CLIENT_IP, ipv6: CLIENT_IP6, mac: mac(id, 100) },
  };
}
