// Which interfaces may carry announcements: MetalLB's layer-2 rules (metallb-compat.md,
// "Layer 2 announcing"), returned with a reason for every interface left out so that
// `kubectl ironlb explain` can say why an IP is not answered on some NIC.
import { linkInactiveReason } from './link-state.js';
import { ARPHRD_ETHER, IFF_NOARP, type NetInterface } from './types.js';

/**
 * MetalLB's default exclusion list (its excludel2 ConfigMap plus lxc*): container,
 * virtual-bridge, tunnel and CNI devices never face the clients of a LoadBalancer IP.
 */
export const DEFAULT_EXCLUDED_INTERFACES: readonly RegExp[] = [
  /^docker.*/,
  /^cbr.*/,
  /^dummy.*/,
  /^virbr.*/,
  /^lxcbr.*/,
  /^veth.*/,
  /^lo$/,
  /^cali.*/,
  /^tunl.*/,
  /^flannel.*/,
  /^kube-ipvs.*/,
  /^cni.*/,
  /^nodelocaldns.*/,
  /^lxc.*/,
];

export type ExclusionReason = 'excluded-name' | 'down' | 'link-down' | 'enslaved' | 'noarp' | 'not-ethernet';

export interface InterfaceSelection {
  readonly included: NetInterface[];
  readonly excluded: { readonly name: string; readonly reason: ExclusionReason }[];
}

export interface SelectOptions {
  /** Name patterns to leave out; defaults to DEFAULT_EXCLUDED_INTERFACES. [] keeps every name. */
  readonly exclude?: readonly RegExp[];
}

export function exclusionReason(i: NetInterface, exclude: readonly RegExp[] = DEFAULT_EXCLUDED_INTERFACES): ExclusionReason | undefined {
  if (exclude.some((re) => re.test(i.name))) return 'excluded-name';
  // Unlike MetalLB (which checks IFF_UP only) carrier-less links are left out too; the
  // runtime's periodic rescan brings them back with a fresh gratuitous burst.
  const down = linkInactiveReason(i);
  if (down) return down;
  // Bridge ports and bond slaves: the master answers for the segment, not its members.
  if (i.master !== undefined) return 'enslaved';
  if ((i.flags & IFF_NOARP) !== 0) return 'noarp';
  if (i.type !== ARPHRD_ETHER) return 'not-ethernet';
  return undefined;
}

export function selectAnnounceInterfaces(all: readonly NetInterface[], options: SelectOptions = {}): InterfaceSelection {
  const included: NetInterface[] = [];
  const excluded: { name: string; reason: ExclusionReason }[] = [];
  for (const i of [...all].sort((a, b) => a.name.localeCompare(b.name))) {
    const reason = exclusionReason(i, options.exclude);
    if (reason) excluded.push({ name: i.name, reason });
    else included.push(i);
  }
  return { included, excluded };
}
