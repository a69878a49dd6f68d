// Lists interfaces from /sys/class/net, as MetalLB reads `master` and `flags` from there.
// The root is injectable so tests build a fake tree. Note that /sys shows the network
// namespace it was mounted in: `ip netns exec` remounts it, `nsenter --net` does not.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { normalizeMac } from '../packet/codec/mac.js';
import type { InterfaceLister, NetInterface } from './types.js';

export interface SysfsListerOptions {
  /** Defaults to /sys/class/net. */
  readonly root?: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function readInterface(root: string, name: string): Promise<NetInterface | undefined> {
  const dir = join(root, name);
  const [ifindex, address, type, flags, operstate, mtu] = await Promise.all(
    ['ifindex', 'address', 'type', 'flags', 'operstate', 'mtu'].map((f) => readText(join(dir, f))),
  );
  // An interface that vanished mid-scan, or an entry that is not an interface.
  if (ifindex === undefined || type === undefined || flags === undefined) return undefined;
  const master = await readlink(join(dir, 'master')).then(
    (target) => basename(target),
    () => undefined,
  );
  return {
    name,
    ifindex: Number(ifindex),
    // Non-Ethernet devices have other address lengths (or none); keep what parses.
    mac: (address && normalizeMac(address)) ?? '00:00:00:00:00:00',
    type: Number(type),
    flags: Number(flags), // "0x1003": Number() reads the hex prefix
    operstate: operstate ?? 'unknown',
    mtu: Number(mtu ?? 0),
    master,
  };
}

export function createSysfsInterfaceLister(options: SysfsListerOptions = {}): InterfaceLister {
  const root = options.root ?? '/sys/class/net';
  return {
    async list(only?: readonly string[]) {
      // Interface names never contain '/'; anything else here is not one of them.
      const names = only ? only.filter((n) => n !== '' && n !== '.' && n !== '..' && !n.includes('/')) : await readdir(root);
      const found = await Promise.all(names.map((n) => readInterface(root, n)));
      return found.filter((i): i is NetInterface => i !== undefined).sort((a, b) => a.ifindex - b.ifindex);
    },
  };
}
