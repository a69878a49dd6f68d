import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectAnnounceInterfaces } from './select.js';
import { createSysfsInterfaceLister } from './sysfs-lister.js';

interface FakeIface {
  name: string;
  ifindex: number;
  address: string;
  type: number;
  flags: string;
  operstate: string;
  master?: string;
}

// A node as a speaker meets it: a NIC, a bond and its slave, a bridge with a port, CNI
// and container devices, a tunnel, a down NIC and an unplugged one.
const TREE: FakeIface[] = [
  { name: 'lo', ifindex: 1, address: '00:00:00:00:00:00', type: 772, flags: '0x9', operstate: 'unknown' },
  { name: 'eth0', ifindex: 2, address: '00:00:5E:00:53:01', type: 1, flags: '0x1003', operstate: 'up' },
  { name: 'eth1', ifindex: 3, address: '00:00:5e:00:53:02', type: 1, flags: '0x1803', operstate: 'up', master: 'bond0' },
  { name: 'bond0', ifindex: 4, address: '00:00:5e:00:53:02', type: 1, flags: '0x1403', operstate: 'up' },
  { name: 'br0', ifindex: 5, address: '00:00:5e:00:53:05', type: 1, flags: '0x1003', operstate: 'up' },
  { name: 'ens5', ifindex: 6, address: '00:00:5e:00:53:06', type: 1, flags: '0x1003', operstate: 'up', master: 'br0' },
  { name: 'ens6', ifindex: 7, address: '00:00:5e:00:53:07', type: 1, flags: '0x1002', operstate: 'down' },
  { name: 'ens7', ifindex: 8, address: '00:00:5e:00:53:08', type: 1, flags: '0x1003', operstate: 'lowerlayerdown' },
  { name: 'wg0', ifindex: 9, address: '', type: 65534, flags: '0x91', operstate: 'unknown' },
  { name: 'ib0', ifindex: 10, address: '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:00:01', type: 32, flags: '0x1003', operstate: 'up' },
  { name: 'docker0', ifindex: 11, address: '02:42:ac:11:00:01', type: 1, flags: '0x1003', operstate: 'up' },
  { name: 'veth1a2b', ifindex: 12, address: '00:00:5e:00:53:0c', type: 1, flags: '0x1003', operstate: 'up', master: 'docker0' },
  { name: 'cali123', ifindex: 13, address: 'ee:ee:ee:ee:ee:ee', type: 1, flags: '0x1003', operstate: 'up' },
  { name: 'kube-ipvs0', ifindex: 14, address: '00:00:5e:00:53:0e', type: 1, flags: '0x82', operstate: 'down' },
  { name: 'flannel.1', ifindex: 15, address: '00:00:5e:00:53:0f', type: 1, flags: '0x1043', operstate: 'unknown' },
  { name: 'lonely0', ifindex: 16, address: '00:00:5e:00:53:10', type: 1, flags: '0x1003', operstate: 'unknown' },
];

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ironlb-sysfs-'));
  for (const i of TREE) {
    const dir = join(root, i.name);
    await mkdir(dir);
    const files: Record<string, string> = { ifindex: `${i.ifindex}`, address: i.address, type: `${i.type}`, flags: i.flags, operstate: i.operstate, mtu: '1500' };
    for (const [f, v] of Object.entries(files)) await writeFile(join(dir, f), `${v}\n`);
    if (i.master) await symlink(`../${i.master}`, join(dir, 'master'));
  }
  await mkdir(join(root, 'bonding_masters-like-dir')); // not an interface: no ifindex
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('sysfs interface lister', () => {
  it('reads every interface with its facts', async () => {
    const all = await createSysfsInterfaceLister({ root }).list();
    expect(all.map((i) => i.name)).toEqual(TREE.map((i) => i.name));
    expect(all.find((i) => i.name === 'eth0')).toEqual({
      name: 'eth0',
      ifindex: 2,
      mac: '00:00:5e:00:53:01',
      type: 1,
      flags: 0x1003,
      operstate: 'up',
      mtu: 1500,
      master: undefined,
    });
    expect(all.find((i) => i.name === 'eth1')?.master).toBe('bond0');
  });

  it('selects like MetalLB and says why the rest are left out', async () => {
    const selection = selectAnnounceInterfaces(await createSysfsInterfaceLister({ root }).list());
    expect(selection.included.map((i) => i.name)).toEqual(['bond0', 'br0', 'eth0', 'lonely0']);
    expect(Object.fromEntries(selection.excluded.map((e) => [e.name, e.reason]))).toEqual({
      'cali123': 'excluded-name',
      'docker0': 'excluded-name',
      'eth1': 'enslaved',
      'ens5': 'enslaved',
      'ens6': 'down',
      'ens7': 'link-down',
      'flannel.1': 'excluded-name',
      'ib0': 'not-ethernet',
      'kube-ipvs0': 'excluded-name',
      'lo': 'excluded-name',
      'veth1a2b': 'excluded-name',
      'wg0': 'noarp',
    });
  });

  it('takes a custom exclusion list ([] keeps every name)', async () => {
    const all = await createSysfsInterfaceLister({ root }).list();
    expect(selectAnnounceInterfaces(all, { exclude: [] }).included.map((i) => i.name)).toEqual(['bond0', 'br0', 'cali123', 'docker0', 'eth0', 'flannel.1', 'lonely0']);
    expect(selectAnnounceInterfaces(all, { exclude: [/^eth/] }).excluded).toContainEqual({ name: 'eth0', reason: 'excluded-name' });
  });

  it('reads only the named interfaces when asked, skipping absent ones', async () => {
    const some = await createSysfsInterfaceLister({ root }).list(['eth0', 'bond0', 'gone0', '../etc']);
    expect(some.map((i) => i.name)).toEqual(['eth0', 'bond0']);
  });

  it('lists the real /sys/class/net without failing', async () => {
    const all = await createSysfsInterfaceLister().list();
    expect(all.some((i) => i.name === 'lo')).toBe(true);
  });
});
