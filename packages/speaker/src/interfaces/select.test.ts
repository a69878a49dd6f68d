import { describe, it, expect } from 'vitest';
import { exclusionReason } from './select.js';
import type { NetInterface } from './types.js';

const nic = (o: Partial<NetInterface>): NetInterface => ({
  name: 'eth0',
  ifindex: 2,
  mac: '00:00:5e:00:53:01',
  type: 1,
  flags: 0x1003,
  operstate: 'up',
  mtu: 1500,
  master: undefined,
  ...o,
});

describe('exclusionReason', () => {
  it.each([
    ['an up Ethernet NIC', nic({}), undefined],
    ['operstate unknown (dummy-like drivers)', nic({ name: 'ens3', operstate: 'unknown' }), undefined],
    ['lo by name', nic({ name: 'lo', type: 772 }), 'excluded-name'],
    ['lo is matched exactly, not as a prefix', nic({ name: 'lom1' }), undefined],
    ['docker prefix', nic({ name: 'docker_gwbridge' }), 'excluded-name'],
    ['nodelocaldns', nic({ name: 'nodelocaldns' }), 'excluded-name'],
    ['lxc prefix', nic({ name: 'lxc12ab' }), 'excluded-name'],
    ['administratively down', nic({ flags: 0x1002 }), 'down'],
    ['no carrier', nic({ operstate: 'down' }), 'link-down'],
    ['bond slave', nic({ master: 'bond0' }), 'enslaved'],
    ['IFF_NOARP', nic({ flags: 0x1083 }), 'noarp'],
    ['not Ethernet', nic({ type: 32 }), 'not-ethernet'],
  ] as const)('%s → %s', (_name, iface, reason) => {
    expect(exclusionReason(iface)).toBe(reason);
  });
});
