import { describe, expect, it } from 'vitest';
import { announcementLines, explainFailover, formatLogLine, parseLogLines, type NodeLog } from './explain.js';

const T0 = Date.parse('2026-01-01T00:00:10.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const f = { service: 'demo/hello', vip: '198.51.100.200', oldOwner: 'node-1', newOwner: 'node-3', crashMs: T0 };

const node3: NodeLog = {
  node: 'node-3',
  lines: [
    { time: at(-5000), event: 'ownerElected', service: 'demo/other', owner: 'node-3', msg: 'old news' },
    { time: at(-10), event: 'peerDead', peer: 'node-1', msg: 'before the crash: not ours' },
    { time: at(150), event: 'peerSuspected', peer: 'node-1', by: 'node-3', msg: 'peer node-1 suspected by node-3' },
    { time: at(260), event: 'peerDead', peer: 'node-1', via: 'heartbeat', detectMs: 250, detectors: ['node-2', 'node-3'], msg: 'peer node-1 is dead (heartbeat, silent 250 ms; detectors node-2, node-3)' },
    { time: at(262), event: 'ownerElected', service: 'demo/hello', owner: 'node-3', previousOwner: 'node-1', reason: 'peer-dead', peer: 'node-1', via: 'heartbeat', detectMs: 250, msSinceCause: 2, candidates: ['node-3', 'node-2'], msg: 'node-3 now owns 198.51.100.200 of demo/hello (was node-1; peer-dead node-1 via heartbeat)' },
    { time: at(263), event: 'garpSent', ip: '198.51.100.200', iface: 'eth0', cause: 'peer-dead', peer: 'node-1', msSinceCause: 3, msg: 'gratuitous ARP sent for 198.51.100.200 on eth0' },
    { time: at(264), event: 'garpSent', ip: '198.51.100.201', msg: 'another IP' },
    { time: at(300), event: 'strictArpOk', msg: 'unrelated' },
  ],
};
const node2: NodeLog = {
  node: 'node-2',
  lines: [
    { time: at(255), event: 'peerDead', peer: 'node-1', via: 'heartbeat', detectMs: 245, msg: 'peer node-1 is dead' },
    { time: at(258), event: 'ownerChanged', service: 'demo/hello', owner: 'node-3', previousOwner: 'node-1', reason: 'peer-dead', msg: 'demo/hello owner node-1 → node-3 (peer-dead node-1)' },
    { time: at(259), event: 'ownerElected', service: 'demo/hello', owner: 'node-2', msg: 'not the new owner' },
  ],
};

describe('explainFailover', () => {
  it('picks the lines that tell this failover from every node, in time order', () => {
    expect(explainFailover([node3, node2], f)).toEqual([
      '00:00:10.150 node-3 peerSuspected: peer node-1 suspected by node-3  [peer=node-1]',
      '00:00:10.255 node-2 peerDead: peer node-1 is dead  [peer=node-1 via=heartbeat detectMs=245]',
      '00:00:10.258 node-2 ownerChanged: demo/hello owner node-1 → node-3 (peer-dead node-1)  [owner=node-3 previousOwner=node-1 reason=peer-dead]',
      '00:00:10.260 node-3 peerDead: peer node-1 is dead (heartbeat, silent 250 ms; detectors node-2, node-3)  [peer=node-1 via=heartbeat detectMs=250 detectors=node-2,node-3]',
      '00:00:10.262 node-3 ownerElected: node-3 now owns 198.51.100.200 of demo/hello (was node-1; peer-dead node-1 via heartbeat)  [owner=node-3 previousOwner=node-1 reason=peer-dead peer=node-1 via=heartbeat detectMs=250 msSinceCause=2]',
      '00:00:10.263 node-3 garpSent: gratuitous ARP sent for 198.51.100.200 on eth0  [peer=node-1 msSinceCause=3 cause=peer-dead iface=eth0]',
    ]);
  });

  it('is empty when no node logged anything about it', () => {
    expect(explainFailover([{ node: 'node-2', lines: [{ time: at(100), event: 'strictArpOk' }] }], f)).toEqual([]);
  });

  it('accepts epoch-ms times too', () => {
    expect(formatLogLine('n', { time: T0, event: 'e', msg: 'm' })).toBe('00:00:10.000 n e: m');
  });
});

describe('announcementLines and parseLogLines', () => {
  it('finds the owner\'s own election line for the Service and when it started answering', () => {
    const log: NodeLog = { node: 'node-2', lines: parseLogLines([
      'not json',
      JSON.stringify({ time: at(0), event: 'ownerElected', service: 'demo/hello', owner: 'node-2', previousOwner: null, reason: 'startup', msg: 'node-2 now owns 198.51.100.200 of demo/hello (was nobody; startup)' }),
      '{broken',
      JSON.stringify({ time: at(5500), event: 'announcing', ip: '198.51.100.201', claim: 'first', msg: 'announcing IP' }),
      JSON.stringify({ time: at(5540), event: 'announcing', ip: '198.51.100.200', iface: 'eth0', claim: 'first', probed: true, msg: 'announcing IP' }),
    ].join('\n')) };
    expect(announcementLines(log, 'demo/hello', '198.51.100.200')).toEqual([
      '00:00:10.000 node-2 ownerElected: node-2 now owns 198.51.100.200 of demo/hello (was nobody; startup)  [owner=node-2 reason=startup]',
      '00:00:15.540 node-2 announcing: announcing IP  [claim=first probed=true iface=eth0]',
    ]);
    expect(announcementLines(log, 'demo/other', '198.51.100.202')).toEqual([]);
  });
});
