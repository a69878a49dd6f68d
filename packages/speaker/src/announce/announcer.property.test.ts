import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildArpProbe, buildArpRequest, buildGratuitousArpRequest } from '../packet/codec/arp-builders.js';
import { canonicalIp } from '../packet/codec/ip.js';
import { buildDadNeighborSolicitation, buildNeighborSolicitation, buildUnsolicitedNeighborAdvertisement } from '../packet/codec/ndp-builders.js';
import { Announcer } from './announcer.js';
import type { AnnouncerAction, DesiredEntry } from './types.js';
import { CLIENT4, CLIENT6, CLIENT_MAC, describeActions, ETH0_MAC, ETH1_MAC, FOREIGN_MAC, IFACES, sentFrames, SPEAKER_B_MAC } from './test-support/fixtures.js';

const POOL = ['198.51.100.10', '198.51.100.11', '203.0.113.5', '2001:db8::10', '2001:db8::11', '2001:db8:1::10'];
const IFACE_NAMES = ['eth0', 'eth1', 'eth2']; // eth2 is not one of our interfaces
const MACS: Record<string, string> = { eth0: ETH0_MAC, eth1: ETH1_MAC };
const RESPONSES = new Set(['arp-reply', 'na-solicited', 'na-dad-reply']);
const UNSOLICITED = new Set(['garp-request', 'garp-reply', 'na-unsolicited', 'arp-probe', 'ns-dad-probe']);

const entry = fc.record({
  ip: fc.constantFrom(...POOL),
  iface: fc.constantFrom('eth0', 'eth1'),
  claim: fc.constantFrom('first' as const, 'failover' as const, 'failover' as const),
  quiet: fc.constantFrom(false, false, true),
});

const request = fc.record({
  iface: fc.constantFrom(...IFACE_NAMES, 'eth0', 'eth1'),
  target: fc.constantFrom(...POOL, ...POOL, '198.51.100.99', '2001:db8::99'),
  style: fc.constantFrom('broadcast', 'unicast-eth0', 'unicast-eth1', 'unicast-foreign', 'probe', 'off-link'),
});

function requestFrame(r: { target: string; style: string }): Uint8Array {
  const unicastTo = r.style === 'unicast-eth0' ? ETH0_MAC : r.style === 'unicast-eth1' ? ETH1_MAC : r.style === 'unicast-foreign' ? FOREIGN_MAC : undefined;
  if (canonicalIp(r.target)?.family === 4) {
    if (r.style === 'probe') return buildArpProbe({ mac: CLIENT_MAC, ip: r.target });
    return buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: r.target, ...(unicastTo ? { unicastTo } : {}) });
  }
  if (r.style === 'probe') return buildDadNeighborSolicitation({ mac: CLIENT_MAC, ip: r.target });
  return buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: r.target, ...(unicastTo ? { unicastTo } : {}), ...(r.style === 'off-link' ? { hopLimit: 64 } : {}) });
}

// Another station announcing one of the addresses: another speaker (a handoff or split
// view) or a foreign host.
const claimOp = fc.record({ kind: fc.constant('claim' as const), iface: fc.constantFrom('eth0', 'eth1'), ip: fc.constantFrom(...POOL), mac: fc.constantFrom(SPEAKER_B_MAC, FOREIGN_MAC) });

function claimFrame(c: { ip: string; mac: string }): Uint8Array {
  return canonicalIp(c.ip)?.family === 4 ? buildGratuitousArpRequest({ mac: c.mac, ip: c.ip }) : buildUnsolicitedNeighborAdvertisement({ mac: c.mac, ip: c.ip });
}

type Op =
  | { kind: 'entries'; entries: DesiredEntry[] }
  | { kind: 'request'; iface: string; target: string; style: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'claim'; iface: string; ip: string; mac: string };
// Mostly requests, so that owned addresses are asked for often enough to matter.
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('entries' as const), entries: fc.array(entry, { minLength: 1, maxLength: 8 }) }) },
  { weight: 8, arbitrary: request.map((r) => ({ kind: 'request' as const, ...r })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 70_000 }) }) },
  { weight: 1, arbitrary: claimOp },
);

/** Runs ops against a machine, checking every answer as it goes; returns all actions. */
function drive(initial: readonly DesiredEntry[], ops: readonly Op[], check: (actions: AnnouncerAction[], m: Announcer, op: Op) => void): AnnouncerAction[] {
  const m = new Announcer({ random: () => 0.25 });
  m.setKnownSpeakerMacs([SPEAKER_B_MAC]);
  let now = 0;
  const all: AnnouncerAction[] = [...m.setInterfaces(IFACES, now), ...m.setEntries(initial, now)];
  for (const o of ops) {
    let actions: AnnouncerAction[];
    if (o.kind === 'entries') actions = m.setEntries(o.entries, now);
    else if (o.kind === 'advance') actions = m.tick((now += o.ms));
    else if (o.kind === 'claim') actions = m.handleFrame(o.iface, claimFrame(o), now);
    else actions = m.handleFrame(o.iface, requestFrame(o), now);
    check(actions, m, o);
    all.push(...actions);
  }
  all.push(...m.setEntries([], now));
  return all;
}

describe('announcer properties', () => {
  it('answers only for IPs it announces on that interface, always with that interface MAC', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.array(op, { minLength: 5, maxLength: 40 }), (initial, ops) => {
        drive(initial, ops, (actions, m, o) => {
          const announcing = new Set(m.status().filter((s) => s.phase === 'announcing' || s.phase === 'answering').map((s) => `${s.iface}|${s.ip}`));
          const answers = sentFrames(actions).filter((s) => RESPONSES.has(s.action.purpose));
          if (o.kind !== 'request') {
            expect(answers).toEqual([]);
            return;
          }
          expect(answers.length).toBeLessThanOrEqual(1);
          answered += answers.length;
          for (const { action, frame } of answers) {
            expect(announcing.has(`${action.iface}|${action.ip}`)).toBe(true);
            expect(action.iface).toBe(o.iface);
            expect(action.ip).toBe(canonicalIp(o.target)!.ip);
            expect(frame.eth.src).toBe(MACS[action.iface]);
            if (frame.kind === 'arp') expect(frame.arp).toMatchObject({ senderMac: MACS[action.iface], senderIp: action.ip });
            else expect(frame.message).toMatchObject({ type: 'na', target: action.ip, targetLinkLayer: MACS[action.iface] });
          }
        });
      }),
      { numRuns: 300 },
    );
    // Guard against a vacuous pass: the generated traffic must actually get answers.
    expect(answered).toBeGreaterThan(100);
  });

  it('quiet entries send nothing unsolicited, and nobody defends against another speaker', () => {
    let quietAnswers = 0;
    let defences = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.array(op, { minLength: 5, maxLength: 40 }), (initial, ops) => {
        drive(initial, ops, (actions, m, o) => {
          const quiet = new Set(m.status().filter((s) => s.quiet).map((s) => `${s.iface}|${s.ip}`));
          for (const { action } of sentFrames(actions)) {
            const key = `${action.iface}|${action.ip}`;
            if (UNSOLICITED.has(action.purpose)) expect(quiet.has(key), `${action.purpose} for quiet ${key}`).toBe(false);
            else if (quiet.has(key)) quietAnswers++;
            if (action.trigger === 'defend') {
              defences++;
              expect(o).toMatchObject({ kind: 'claim', mac: FOREIGN_MAC });
            }
          }
          for (const a of actions) {
            if (a.kind === 'event' && a.event.kind === 'conflict' && a.event.mac === SPEAKER_B_MAC) expect(a.event).toMatchObject({ classification: 'split-view', defended: false });
          }
        });
      }),
      { numRuns: 300 },
    );
    // Not vacuous: quiet entries were asked and answered, and foreign hosts were defended against.
    expect(quietAnswers).toBeGreaterThan(10);
    expect(defences).toBeGreaterThan(5);
  });

  it('every frame it sends decodes, and withdrawing everything leaves no group joined and nothing scheduled', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), fc.array(op, { maxLength: 40 }), (initial, ops) => {
        const all = drive(initial, ops, () => {});
        expect(() => sentFrames(all)).not.toThrow();
        const groups = new Map<string, number>();
        for (const a of all) {
          if (a.kind !== 'join' && a.kind !== 'leave') continue;
          const k = `${a.iface}|${a.group}`;
          groups.set(k, (groups.get(k) ?? 0) + (a.kind === 'join' ? 1 : -1));
          expect(groups.get(k)).toBeGreaterThanOrEqual(0);
          expect(groups.get(k)).toBeLessThanOrEqual(1);
        }
        expect([...groups.values()].every((n) => n === 0)).toBe(true);
        expect(all.at(-1)).toEqual({ kind: 'schedule', at: null });
      }),
      { numRuns: 300 },
    );
  });

  it('the order of desired entries does not change what is sent', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => `${e.iface}|${e.ip}`, maxLength: 6 }), fc.integer(), (entries, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), { seed, numRuns: 1 })[0]!;
        const run = (list: DesiredEntry[]) => {
          const m = new Announcer({ random: () => 0.25 });
          m.setInterfaces(IFACES, 0);
          const out = [...m.setEntries(list, 0), ...m.tick(10_000)];
          return { sent: describeActions(out).sort(), status: m.status().sort((a, b) => `${a.iface}${a.ip}`.localeCompare(`${b.iface}${b.ip}`)) };
        };
        expect(run(shuffled)).toEqual(run(entries));
      }),
      { numRuns: 200 },
    );
  });
});
