import { describe, it, expect } from 'vitest';
import { createLogger } from '@ironlb/core';
import { isLinkEvent, linkDownReason, logLinkEvent } from './link-state.js';
import type { NetInterface } from './types.js';

const nic = (o: Partial<NetInterface>): NetInterface => ({
  name: 'eth0',
  ifindex: 2,
  mac: '00:00:5e:00:53:01',
  type: 1,
  flags: 0x1043,
  operstate: 'up',
  mtu: 1500,
  master: undefined,
  ...o,
});

describe('linkDownReason', () => {
  it.each([
    ['up with carrier', nic({}), undefined],
    ['operstate unknown (no carrier reporting)', nic({ operstate: 'unknown' }), undefined],
    ['administratively down', nic({ flags: 0x1002, operstate: 'down' }), 'down'],
    ['up without carrier', nic({ flags: 0x1003, operstate: 'lowerlayerdown' }), 'link-down'],
    ['vanished', undefined, 'gone'],
  ] as const)('%s → %s', (_name, link, reason) => {
    expect(linkDownReason(link)).toBe(reason);
  });
});

describe('link events', () => {
  it('are told apart from announcer events and logged with the shared vocabulary', () => {
    expect(isLinkEvent({ kind: 'interface-up' })).toBe(true);
    expect(isLinkEvent({ kind: 'announcing' })).toBe(false);
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ component: 'speaker', level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    logLinkEvent(log, { kind: 'interface-down', iface: 'eth0', reason: 'link-down' });
    logLinkEvent(log, { kind: 'interface-up', iface: 'eth0', mac: '00:00:5e:00:53:01' });
    logLinkEvent(log, { kind: 'interface-changed', iface: 'eth0', mac: '00:00:5e:00:53:02', previousMac: '00:00:5e:00:53:01', ifindex: 3, previousIfindex: 2 });
    logLinkEvent(log, { kind: 'rescan-failed', error: new Error('EACCES') });
    expect(lines.map((l) => [l['level'], l['event'], l['iface'] ?? null])).toEqual([
      ['warn', 'interfaceDown', 'eth0'],
      ['info', 'interfaceUp', 'eth0'],
      ['info', 'interfaceChanged', 'eth0'],
      ['error', 'rescanFailed', null],
    ]);
    expect(lines[0]).toMatchObject({ reason: 'link-down' });
    expect(lines[2]).toMatchObject({ mac: '00:00:5e:00:53:02', previousMac: '00:00:5e:00:53:01' });
  });
});
