import { describe, it, expect } from 'vitest';
import { isIronlbError } from '@ironlb/core';
import { buildArpProbe, buildArpReply, buildArpRequest, buildGratuitousArpRequest } from '../packet/codec/arp-builders.js';
import { buildDadNeighborSolicitation, buildNeighborSolicitation, buildSolicitedNeighborAdvertisement, buildUnsolicitedNeighborAdvertisement } from '../packet/codec/ndp-builders.js';
import { Announcer, type AnnouncerOptions } from './announcer.js';
import type { AnnouncerAction, DesiredEntry, InterfaceView } from './types.js';
import {
  CLIENT4,
  CLIENT6,
  CLIENT_MAC,
  describeActions,
  ETH0_MAC,
  ETH1_MAC,
  FOREIGN_MAC,
  IFACES,
  sentFrames,
  SPEAKER_B_MAC,
  VIP4,
  VIP4_B,
  VIP6,
  VIP6_SAME_GROUP,
} from './test-support/fixtures.js';

// Scenario tables: each step runs at time `at` and states every action it must produce.
interface Step {
  readonly at: number;
  readonly run: (m: Announcer, at: number) => AnnouncerAction[];
  readonly expect: readonly string[];
}
const ifaces = (list: readonly InterfaceView[]) => (m: Announcer, at: number) => m.setInterfaces(list, at);
const entries = (list: readonly DesiredEntry[]) => (m: Announcer, at: number) => m.setEntries(list, at);
const frame = (iface: string, bytes: Uint8Array) => (m: Announcer, at: number) => m.handleFrame(iface, bytes, at);
const tick = (m: Announcer, at: number) => m.tick(at);

function play(steps: readonly Step[], options: AnnouncerOptions = {}): Announcer {
  const m = new Announcer(options);
  steps.forEach((s, i) => expect(describeActions(s.run(m, s.at)), `step ${i} at t=${s.at}`).toEqual(s.expect));
  return m;
}

const BCAST = '→ff:ff:ff:ff:ff:ff';
const garp = (ip: string, trigger: string, iface = 'eth0') => [`send ${iface} garp-request ${ip} ${BCAST} (${trigger})`, `send ${iface} garp-reply ${ip} ${BCAST} (${trigger})`];
const una = (ip: string, trigger: string) => `send eth0 na-unsolicited ${ip} →33:33:00:00:00:01 (${trigger})`;
const v4Owned: Step[] = [
  { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
  { at: 0, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'failover' }]), expect: [`event announcing ${VIP4} eth0 failover`, ...garp(VIP4, 'takeover'), 'schedule 1100'] },
];
const v6Owned: Step[] = [
  { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
  { at: 0, run: entries([{ ip: VIP6, iface: 'eth0' }]), expect: ['join eth0 33:33:ff:00:00:10', `event announcing ${VIP6} eth0 failover`, una(VIP6, 'takeover'), 'schedule 1100'] },
];

describe('takeover and re-announcement', () => {
  it('IPv4 failover: both GARP forms at once, every 1.1 s until 4.4 s, then every 60 s', () => {
    play([
      ...v4Owned,
      { at: 1000, run: tick, expect: ['schedule 1100'] },
      { at: 1100, run: tick, expect: [...garp(VIP4, 'burst'), 'schedule 2200'] },
      { at: 2200, run: tick, expect: [...garp(VIP4, 'burst'), 'schedule 3300'] },
      { at: 3300, run: tick, expect: [...garp(VIP4, 'burst'), 'schedule 4400'] },
      { at: 4400, run: tick, expect: [...garp(VIP4, 'burst'), 'schedule 64400'] },
      { at: 64400, run: tick, expect: [...garp(VIP4, 'reannounce'), 'schedule 124400'] },
    ]);
  });

  it('IPv6 failover: joins the solicited-node group and sends unsolicited NAs with Override', () => {
    const m = play([...v6Owned, { at: 1100, run: tick, expect: [una(VIP6, 'burst'), 'schedule 2200'] }]);
    expect(m.status()).toEqual([{ ip: VIP6, iface: 'eth0', family: 6, claim: 'failover', quiet: false, phase: 'announcing', dueAt: 2200 }]);
  });

  it('announcements carry the interface MAC and the right flags', () => {
    const m = new Announcer();
    m.setInterfaces(IFACES, 0);
    const sent = sentFrames(m.setEntries([{ ip: VIP4, iface: 'eth1' }, { ip: VIP6, iface: 'eth1' }], 0));
    expect(sent.map((s) => s.frame)).toEqual([
      expect.objectContaining({ kind: 'arp', arp: { op: 1, senderMac: ETH1_MAC, senderIp: VIP4, targetMac: '00:00:00:00:00:00', targetIp: VIP4 } }),
      expect.objectContaining({ kind: 'arp', arp: { op: 2, senderMac: ETH1_MAC, senderIp: VIP4, targetMac: ETH1_MAC, targetIp: VIP4 } }),
      expect.objectContaining({
        kind: 'ndp',
        ip6: expect.objectContaining({ dst: 'ff02::1', hopLimit: 255 }),
        message: { type: 'na', router: false, solicited: false, override: true, target: VIP6, targetLinkLayer: ETH1_MAC },
      }),
    ]);
  });

  it('re-announcement can be switched off', () => {
    play(
      [
        ...v4Owned.slice(0, 1),
        { at: 0, run: entries([{ ip: VIP4, iface: 'eth0' }]), expect: [`event announcing ${VIP4} eth0 failover`, ...garp(VIP4, 'takeover'), 'schedule null'] },
      ],
      { config: { burstCount: 1, reannounceIntervalMs: 0 } },
    );
  });

  it('waits for its interface, and a new MAC starts a new burst', () => {
    play([
      { at: 0, run: entries([{ ip: VIP4, iface: 'eth0' }]), expect: ['schedule null'] },
      { at: 10, run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 })), expect: ['schedule null'] },
      { at: 20, run: ifaces(IFACES), expect: [`event announcing ${VIP4} eth0 failover`, ...garp(VIP4, 'takeover'), 'schedule 1120'] },
      { at: 30, run: ifaces([{ name: 'eth0', mac: '00:00:5e:00:53:99' }]), expect: [...garp(VIP4, 'mac-change'), 'schedule 1130'] },
    ]);
  });

  it('an interface that goes away suspends its entries; when it returns they announce without probing', () => {
    play(
      [
        { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
        { at: 0, run: entries([{ ip: VIP6, iface: 'eth0', claim: 'first' }]), expect: ['join eth0 33:33:ff:00:00:10', `event probing ${VIP6} eth0`, 'schedule 0'] },
        { at: 0, run: tick, expect: ['send eth0 ns-dad-probe 2001:db8::10 →33:33:ff:00:00:10', 'schedule 2000'] },
        { at: 2000, run: tick, expect: [`event announcing ${VIP6} eth0 first probed`, una(VIP6, 'takeover'), 'schedule 3100'] },
        { at: 2500, run: ifaces([IFACES[1]!]), expect: ['leave eth0 33:33:ff:00:00:10', 'schedule null'] },
        { at: 2600, run: frame('eth0', buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6 })), expect: ['schedule null'] },
        { at: 9000, run: ifaces(IFACES), expect: ['join eth0 33:33:ff:00:00:10', `event announcing ${VIP6} eth0 first`, una(VIP6, 'takeover'), 'schedule 10100'] },
      ],
      { config: { probe: { count: 1 } }, random: () => 0 },
    );
  });

  it('an interface ready for one family only holds back the other', () => {
    play([
      { at: 0, run: ifaces([{ name: 'eth0', mac: ETH0_MAC, families: [4] }]), expect: ['schedule null'] },
      { at: 0, run: entries([{ ip: VIP6, iface: 'eth0' }, { ip: VIP4, iface: 'eth0' }]), expect: [`event announcing ${VIP4} eth0 failover`, ...garp(VIP4, 'takeover'), 'schedule 1100'] },
      { at: 5, run: ifaces([{ name: 'eth0', mac: ETH0_MAC, families: [4, 6] }]), expect: ['join eth0 33:33:ff:00:00:10', `event announcing ${VIP6} eth0 failover`, una(VIP6, 'takeover'), 'schedule 1100'] },
    ]);
  });
});

describe('answering', () => {
  const req = (o: Partial<Parameters<typeof buildArpRequest>[0]> = {}) => buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4, ...o });
  const answered = (ip: string, iface: string, purpose: string, to: string, unicast = false) => [
    `event request ${ip} ${iface} from=${CLIENT_MAC}${unicast ? ' unicast' : ''}`,
    `send ${iface} ${purpose} ${ip} →${to}`,
    'schedule 1100',
  ];
  it.each([
    ['broadcast request for an owned IP', 'eth0', req(), answered(VIP4, 'eth0', 'arp-reply', CLIENT_MAC)],
    ['unicast request to our MAC (NUD re-validation)', 'eth0', req({ unicastTo: ETH0_MAC }), answered(VIP4, 'eth0', 'arp-reply', CLIENT_MAC, true)],
    ['RFC 5227 probe for an owned IP', 'eth0', buildArpProbe({ mac: CLIENT_MAC, ip: VIP4 }), answered(VIP4, 'eth0', 'arp-reply', CLIENT_MAC)],
    ['unicast request to another MAC', 'eth0', req({ unicastTo: FOREIGN_MAC }), ['schedule 1100']],
    ['request for an IP we do not own', 'eth0', req({ targetIp: VIP4_B }), ['schedule 1100']],
    ['request on the wrong interface', 'eth1', req(), ['schedule 1100']],
    ['a reply is not a question', 'eth0', buildArpReply({ mac: CLIENT_MAC, ip: CLIENT4, requesterMac: ETH0_MAC, requesterIp: VIP4 }), ['schedule 1100']],
    ['our own frame looped back', 'eth0', buildArpRequest({ mac: ETH0_MAC, senderIp: VIP4_B, targetIp: VIP4 }), ['schedule 1100']],
    ['garbage', 'eth0', Uint8Array.of(1, 2, 3), ['event dropped eth0 truncated', 'schedule 1100']],
  ])('ARP: %s', (_name, iface, bytes, expected) => {
    play([...v4Owned, { at: 100, run: frame(iface, bytes), expect: expected }]);
  });

  it('the ARP reply is RFC 826 correct', () => {
    const m = play(v4Owned);
    const [reply] = sentFrames(m.handleFrame('eth0', req(), 100));
    expect(reply!.frame).toEqual({
      kind: 'arp',
      eth: { dst: CLIENT_MAC, src: ETH0_MAC, etherType: 0x0806 },
      arp: { op: 2, senderMac: ETH0_MAC, senderIp: VIP4, targetMac: CLIENT_MAC, targetIp: CLIENT4 },
    });
  });

  const ns = (o: Partial<Parameters<typeof buildNeighborSolicitation>[0]> = {}) => buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6, ...o });
  const wrongGroup = (() => {
    const f = ns();
    f[2] = 0xee; // Ethernet destination no longer the group's MAC
    return f;
  })();
  it.each([
    ['multicast NS to the solicited-node group', ns(), answered(VIP6, 'eth0', 'na-solicited', CLIENT_MAC)],
    ['unicast NS to our MAC (MetalLB #2920)', ns({ unicastTo: ETH0_MAC }), answered(VIP6, 'eth0', 'na-solicited', CLIENT_MAC, true)],
    ['DAD NS for our address: answer to all-nodes', buildDadNeighborSolicitation({ mac: CLIENT_MAC, ip: VIP6 }), answered(VIP6, 'eth0', 'na-dad-reply', '33:33:00:00:00:01')],
    ['hop limit 64 (off-link)', ns({ hopLimit: 64 }), ['event dropped eth0 bad-hop-limit', 'schedule 1100']],
    ['NS for an address we do not own', ns({ target: '2001:db8::11' }), ['schedule 1100']],
    ['unicast NS to another MAC', ns({ unicastTo: FOREIGN_MAC }), ['schedule 1100']],
    ['multicast NS with the wrong Ethernet group', wrongGroup, ['schedule 1100']],
    ['solicited NA to all-nodes is invalid', (() => {
      const f = buildSolicitedNeighborAdvertisement({ mac: CLIENT_MAC, ip: CLIENT6, dstMac: '33:33:00:00:00:01', dstIp: 'ff02::1' });
      return f;
    })(), ['event dropped eth0 invalid-na', 'schedule 1100']],
  ])('NDP: %s', (_name, bytes, expected) => {
    play([...v6Owned, { at: 100, run: frame('eth0', bytes), expect: expected }]);
  });

  it('the solicited NA is RFC 4861 correct', () => {
    const m = play(v6Owned);
    const [na] = sentFrames(m.handleFrame('eth0', ns(), 100));
    expect(na!.frame).toEqual({
      kind: 'ndp',
      eth: { dst: CLIENT_MAC, src: ETH0_MAC, etherType: 0x86dd },
      ip6: { src: VIP6, dst: CLIENT6, hopLimit: 255, trafficClass: 0, flowLabel: 0 },
      message: { type: 'na', router: false, solicited: true, override: true, target: VIP6, targetLinkLayer: ETH0_MAC },
    });
  });
});

describe('withdrawal', () => {
  it('stops answering at once, leaves the group and cancels everything scheduled', () => {
    const m = play([
      ...v6Owned,
      { at: 500, run: entries([]), expect: ['leave eth0 33:33:ff:00:00:10', `event withdrawn ${VIP6} eth0`, 'schedule null'] },
      { at: 600, run: frame('eth0', buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6 })), expect: ['schedule null'] },
      { at: 1100, run: tick, expect: ['schedule null'] },
    ]);
    expect(m.status()).toEqual([]);
  });

  it('reference-counts solicited-node groups shared by two addresses', () => {
    const both = [
      { ip: VIP6, iface: 'eth0' },
      { ip: VIP6_SAME_GROUP, iface: 'eth0' },
    ];
    play([
      { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
      {
        at: 0,
        run: entries(both),
        expect: ['join eth0 33:33:ff:00:00:10', `event announcing ${VIP6} eth0 failover`, una(VIP6, 'takeover'), `event announcing ${VIP6_SAME_GROUP} eth0 failover`, una(VIP6_SAME_GROUP, 'takeover'), 'schedule 1100'],
      },
      { at: 10, run: entries([both[1]!]), expect: [`event withdrawn ${VIP6} eth0`, 'schedule 1100'] },
      { at: 20, run: entries([]), expect: ['leave eth0 33:33:ff:00:00:10', `event withdrawn ${VIP6_SAME_GROUP} eth0`, 'schedule null'] },
    ]);
  });

  it('rejects an invalid IP without changing anything', () => {
    const m = play(v4Owned);
    let caught: unknown;
    try {
      m.setEntries([{ ip: '198.51.100.300', iface: 'eth0' }], 10);
    } catch (e) {
      caught = e;
    }
    expect(isIronlbError(caught, 'IRONLB_INVALID_ADDRESS')).toBe(true);
    expect(m.status().map((s) => s.ip)).toEqual([VIP4]);
  });
});

describe('first claims probe (RFC 5227), failovers never wait', () => {
  // random() = 0.5: first probe after 500 ms, then 1.5 s apart, announce 2 s after the last.
  const half = { random: () => 0.5 };
  const firstClaim: Step[] = [
    { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
    { at: 0, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'first' }]), expect: [`event probing ${VIP4} eth0`, 'schedule 500'] },
    { at: 500, run: tick, expect: [`send eth0 arp-probe ${VIP4} ${BCAST}`, 'schedule 2000'] },
  ];

  it('three probes, ANNOUNCE_WAIT, then the takeover burst', () => {
    play(
      [
        ...firstClaim,
        { at: 1000, run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 })), expect: ['schedule 2000'] },
        { at: 2000, run: tick, expect: [`send eth0 arp-probe ${VIP4} ${BCAST}`, 'schedule 3500'] },
        { at: 3500, run: tick, expect: [`send eth0 arp-probe ${VIP4} ${BCAST}`, 'schedule 5500'] },
        { at: 5500, run: tick, expect: [`event announcing ${VIP4} eth0 first probed`, ...garp(VIP4, 'takeover'), 'schedule 6600'] },
      ],
      half,
    );
  });

  it.each([
    ['a reply from the address', buildArpReply({ mac: FOREIGN_MAC, ip: VIP4, requesterMac: CLIENT_MAC, requesterIp: CLIENT4 }), 'arp-reply'],
    ['a request from the address', buildArpRequest({ mac: FOREIGN_MAC, senderIp: VIP4, targetIp: CLIENT4 }), 'arp-request'],
    ['another host probing for it', buildArpProbe({ mac: FOREIGN_MAC, ip: VIP4 }), 'arp-probe'],
  ])('%s holds the address back and retries after 60 s', (_name, bytes, via) => {
    play(
      [
        ...firstClaim,
        { at: 1000, run: frame('eth0', bytes), expect: [`event conflict ${VIP4} eth0 ${FOREIGN_MAC} foreign-conflict probe via=${via} suppressed=0 defended=false`, 'schedule 61000'] },
        { at: 1500, run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 })), expect: ['schedule 61000'] },
        { at: 2000, run: tick, expect: ['schedule 61000'] },
        { at: 61000, run: tick, expect: [`event probing ${VIP4} eth0`, 'schedule 61500'] },
      ],
      half,
    );
  });

  it('IPv6 DAD: an NA for the tentative address is a conflict', () => {
    play(
      [
        { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
        { at: 0, run: entries([{ ip: VIP6, iface: 'eth0', claim: 'first' }]), expect: ['join eth0 33:33:ff:00:00:10', `event probing ${VIP6} eth0`, 'schedule 500'] },
        { at: 500, run: tick, expect: ['send eth0 ns-dad-probe 2001:db8::10 →33:33:ff:00:00:10', 'schedule 2000'] },
        {
          at: 700,
          run: frame('eth0', buildUnsolicitedNeighborAdvertisement({ mac: FOREIGN_MAC, ip: VIP6 })),
          expect: [`event conflict ${VIP6} eth0 ${FOREIGN_MAC} foreign-conflict probe via=na suppressed=0 defended=false`, 'schedule 60700'],
        },
      ],
      half,
    );
  });

  it('a failover for the same address promotes it at once', () => {
    play(
      [
        ...firstClaim,
        { at: 600, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'failover' }]), expect: [`event announcing ${VIP4} eth0 failover probed`, ...garp(VIP4, 'takeover'), 'schedule 1700'] },
      ],
      half,
    );
  });

  it('failover claims and disabled probing announce immediately', () => {
    const first = [{ ip: VIP4, iface: 'eth0', claim: 'first' as const }];
    play([{ at: 0, run: ifaces(IFACES), expect: ['schedule null'] }, { at: 0, run: entries(first), expect: [`event announcing ${VIP4} eth0 first`, ...garp(VIP4, 'takeover'), 'schedule 1100'] }], {
      config: { probe: { count: 0 } },
    });
  });
});

describe('conflicts while announcing (RFC 5227 §2.4)', () => {
  const foreignGarp = buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 });
  it('reports, defends once per 10 s, and never fights in a loop', () => {
    // No tick runs here, so the takeover burst's next round stays due at 1100.
    play([
      ...v4Owned,
      {
        at: 5000,
        run: frame('eth0', foreignGarp),
        expect: [...garp(VIP4, 'defend'), `event conflict ${VIP4} eth0 ${FOREIGN_MAC} foreign-conflict announce via=arp-request suppressed=0 defended=true`, 'schedule 1100'],
      },
      { at: 6000, run: frame('eth0', foreignGarp), expect: ['schedule 1100'] },
      { at: 7000, run: frame('eth0', buildArpReply({ mac: FOREIGN_MAC, ip: VIP4, requesterMac: CLIENT_MAC, requesterIp: CLIENT4 })), expect: ['schedule 1100'] },
      {
        at: 15000,
        run: frame('eth0', foreignGarp),
        expect: [...garp(VIP4, 'defend'), `event conflict ${VIP4} eth0 ${FOREIGN_MAC} foreign-conflict announce via=arp-request suppressed=2 defended=true`, 'schedule 1100'],
      },
    ]);
  });

  it('a MAC of another speaker is a split view (or a handoff): reported, never defended against', () => {
    const m = play(v4Owned);
    m.setKnownSpeakerMacs([SPEAKER_B_MAC.toUpperCase()]);
    const speakerGarp = buildGratuitousArpRequest({ mac: SPEAKER_B_MAC, ip: VIP4 });
    const steps: [number, Uint8Array, string[]][] = [
      [100, speakerGarp, [`event conflict ${VIP4} eth0 ${SPEAKER_B_MAC} split-view announce via=arp-request suppressed=0 defended=false`, 'schedule 1100']],
      [200, speakerGarp, ['schedule 1100']], // rate-limited report, still no defence
      // The speaker's claims used up no defence: a foreign host right after is defended.
      [300, buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 }), [...garp(VIP4, 'defend'), `event conflict ${VIP4} eth0 ${FOREIGN_MAC} foreign-conflict announce via=arp-request suppressed=0 defended=true`, 'schedule 1100']],
      [20_100, speakerGarp, [`event conflict ${VIP4} eth0 ${SPEAKER_B_MAC} split-view announce via=arp-request suppressed=1 defended=false`, 'schedule 1100']],
    ];
    for (const [at, bytes, expected] of steps) expect(describeActions(m.handleFrame('eth0', bytes, at)), `t=${at}`).toEqual(expected);
  });

  it('IPv6: an unsolicited NA from another speaker is not defended against either', () => {
    const m = play(v6Owned);
    m.setKnownSpeakerMacs([SPEAKER_B_MAC]);
    expect(describeActions(m.handleFrame('eth0', buildUnsolicitedNeighborAdvertisement({ mac: SPEAKER_B_MAC, ip: VIP6 }), 100))).toEqual([
      `event conflict ${VIP6} eth0 ${SPEAKER_B_MAC} split-view announce via=na suppressed=0 defended=false`,
      'schedule 1100',
    ]);
  });

  it.each([
    ['unsolicited NA from another MAC', buildUnsolicitedNeighborAdvertisement({ mac: FOREIGN_MAC, ip: VIP6 }), 'na'],
    ['NS sent from our address', buildNeighborSolicitation({ mac: FOREIGN_MAC, src: VIP6, target: CLIENT6 }), 'ns'],
  ])('IPv6: %s', (_name, bytes, via) => {
    play([
      ...v6Owned,
      { at: 100, run: frame('eth0', bytes), expect: [una(VIP6, 'defend'), `event conflict ${VIP6} eth0 ${FOREIGN_MAC} foreign-conflict announce via=${via} suppressed=0 defended=true`, 'schedule 1100'] },
    ]);
  });

  it('a foreign NA on another interface is not about our entry', () => {
    play([...v6Owned, { at: 100, run: frame('eth1', buildUnsolicitedNeighborAdvertisement({ mac: FOREIGN_MAC, ip: VIP6 })), expect: ['schedule 1100'] }]);
  });
});

describe('quiet entries (lossless handoff: the new owner announces first, the old one stops answering after)', () => {
  const quiet4 = [{ ip: VIP4, iface: 'eth0', quiet: true }];
  const arpReq = (o: Partial<Parameters<typeof buildArpRequest>[0]> = {}) => buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4, ...o });
  const arpAnswer = (at: 'schedule null' | string, unicast = false) => [
    `event request ${VIP4} eth0 from=${CLIENT_MAC}${unicast ? ' unicast' : ''}`,
    `send eth0 arp-reply ${VIP4} →${CLIENT_MAC}`,
    at,
  ];

  it('going quiet cancels the burst and re-announcements; it keeps answering unicast probes only', () => {
    const m = play([
      ...v4Owned,
      { at: 500, run: entries(quiet4), expect: [`event quiet ${VIP4} eth0`, 'schedule null'] },
      { at: 1100, run: tick, expect: ['schedule null'] },
      { at: 70_000, run: tick, expect: ['schedule null'] },
      // A broadcast request is the new owner's to answer: answering it could pull the client back.
      { at: 70_001, run: frame('eth0', arpReq()), expect: ['schedule null'] },
      // A client re-validating an entry that still points at us gets its answer.
      { at: 70_002, run: frame('eth0', arpReq({ unicastTo: ETH0_MAC })), expect: arpAnswer('schedule null', true) },
      { at: 70_003, run: frame('eth0', buildArpProbe({ mac: CLIENT_MAC, ip: VIP4 })), expect: ['schedule null'] },
    ]);
    expect(m.status()).toEqual([{ ip: VIP4, iface: 'eth0', family: 4, claim: 'failover', quiet: true, phase: 'answering', dueAt: undefined }]);
  });

  it('a quiet entry neither defends nor reports the new owner; a foreign host is reported, not defended', () => {
    const m = play([...v4Owned, { at: 500, run: entries(quiet4), expect: [`event quiet ${VIP4} eth0`, 'schedule null'] }]);
    m.setKnownSpeakerMacs([SPEAKER_B_MAC]);
    expect(describeActions(m.handleFrame('eth0', buildGratuitousArpRequest({ mac: SPEAKER_B_MAC, ip: VIP4 }), 600))).toEqual(['schedule null']);
    expect(describeActions(m.handleFrame('eth0', buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 }), 700))).toEqual([
      `event conflict ${VIP4} eth0 ${FOREIGN_MAC} foreign-conflict announce via=arp-request suppressed=0 defended=false`,
      'schedule null',
    ]);
  });

  it('un-quieting is a new claim: a fresh takeover burst', () => {
    play([
      ...v4Owned,
      { at: 500, run: entries(quiet4), expect: [`event quiet ${VIP4} eth0`, 'schedule null'] },
      { at: 800, run: entries([{ ip: VIP4, iface: 'eth0' }]), expect: [`event announcing ${VIP4} eth0 failover`, ...garp(VIP4, 'takeover'), 'schedule 1900'] },
      { at: 1900, run: tick, expect: [...garp(VIP4, 'burst'), 'schedule 3000'] },
      { at: 2000, run: entries([{ ip: VIP4, iface: 'eth0', quiet: false }]), expect: ['schedule 3000'] }, // no change, no new burst
    ]);
  });

  it('a new quiet entry only answers: no burst, no probe even for a first claim (IPv6 still joins its group)', () => {
    play([
      { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
      {
        at: 0,
        run: entries([{ ip: VIP6, iface: 'eth0', claim: 'first', quiet: true }, { ip: VIP4, iface: 'eth0', claim: 'first', quiet: true }]),
        expect: ['join eth0 33:33:ff:00:00:10', `event quiet ${VIP6} eth0`, `event quiet ${VIP4} eth0`, 'schedule null'],
      },
      { at: 10, run: tick, expect: ['schedule null'] },
      // Multicast solicitations are the (new) owner's: a quiet entry stays silent.
      { at: 20, run: frame('eth0', buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6 })), expect: ['schedule null'] },
      {
        at: 30,
        run: frame('eth0', buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6, unicastTo: ETH0_MAC })),
        expect: [`event request ${VIP6} eth0 from=${CLIENT_MAC} unicast`, `send eth0 na-solicited ${VIP6} →${CLIENT_MAC}`, 'schedule null'],
      },
      { at: 40, run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4, unicastTo: ETH0_MAC })), expect: arpAnswer('schedule null', true) },
      // Un-quieted, the answered address is not a first claim any more: announce, do not probe.
      { at: 50, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'first' }]), expect: ['leave eth0 33:33:ff:00:00:10', `event withdrawn ${VIP6} eth0`, `event announcing ${VIP4} eth0 first`, ...garp(VIP4, 'takeover'), 'schedule 1150'] },
    ]);
  });

  it('a probing first claim told to be quiet stops probing and answers', () => {
    play(
      [
        { at: 0, run: ifaces(IFACES), expect: ['schedule null'] },
        { at: 0, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'first' }]), expect: [`event probing ${VIP4} eth0`, 'schedule 500'] },
        { at: 100, run: entries([{ ip: VIP4, iface: 'eth0', claim: 'first', quiet: true }]), expect: [`event quiet ${VIP4} eth0`, 'schedule null'] },
        { at: 500, run: tick, expect: ['schedule null'] },
        { at: 600, run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4, unicastTo: ETH0_MAC })), expect: arpAnswer('schedule null', true) },
      ],
      { random: () => 0.5 },
    );
  });

  it('a quiet entry waits for its interface like any other, then only answers; a new MAC sends nothing', () => {
    play([
      { at: 0, run: entries(quiet4), expect: ['schedule null'] },
      { at: 10, run: ifaces(IFACES), expect: [`event quiet ${VIP4} eth0`, 'schedule null'] },
      { at: 20, run: ifaces([{ name: 'eth0', mac: '00:00:5e:00:53:99' }]), expect: ['schedule null'] },
      {
        at: 30,
        run: frame('eth0', buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4, unicastTo: '00:00:5e:00:53:99' })),
        expect: [`event request ${VIP4} eth0 from=${CLIENT_MAC} unicast`, `send eth0 arp-reply ${VIP4} →${CLIENT_MAC}`, 'schedule null'],
      },
    ]);
  });

  it('hasEntryFor counts entries of an IP over all interfaces', () => {
    const m = new Announcer();
    m.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP4, iface: 'eth1' }, { ip: '2001:DB8::10', iface: 'eth0' }], 0);
    expect([m.hasEntryFor(VIP4), m.hasEntryFor(VIP6), m.hasEntryFor(VIP4_B)]).toEqual([true, true, false]);
    m.setEntries([{ ip: VIP4, iface: 'eth1' }], 1);
    expect([m.hasEntryFor(VIP4), m.hasEntryFor(VIP6)]).toEqual([true, false]);
    m.setEntries([], 2);
    expect(m.hasEntryFor(VIP4)).toBe(false);
  });
});

describe('config', () => {
  it.each([{ burstIntervalMs: 0 }, { probe: { minIntervalMs: 2, maxIntervalMs: 1 } }, { burstCount: 0 }])('rejects %j', (config) => {
    expect(() => new Announcer({ config })).toThrow(/invalid announcer config/);
  });
});
