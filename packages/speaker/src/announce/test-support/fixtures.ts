// Shared by the announcer and runtime tests (excluded from the build): addresses from the
// documentation ranges, and a compact text form of actions so scenario tables stay readable.
import { decodeFrame } from '../../packet/codec/frame.js';
import type { AnnouncerAction } from '../types.js';

export const ETH0_MAC = '00:00:5e:00:53:01';
export const ETH1_MAC = '00:00:5e:00:53:02';
export const CLIENT_MAC = '00:00:5e:00:53:aa';
export const SPEAKER_B_MAC = '00:00:5e:00:53:bb';
export const FOREIGN_MAC = '00:00:5e:00:53:cc';

export const VIP4 = '198.51.100.10';
export const VIP4_B = '198.51.100.11';
export const CLIENT4 = '198.51.100.20';
export const VIP6 = '2001:db8::10';
export const VIP6_SAME_GROUP = '2001:db8:1::10'; // same low 24 bits → same solicited-node group
export const CLIENT6 = '2001:db8::20';

export const IFACES = [
  { name: 'eth0', mac: ETH0_MAC },
  { name: 'eth1', mac: ETH1_MAC },
];

/**
 * One line per action: 'send eth0 garp-request 198.51.100.10 →ff:ff:ff:ff:ff:ff',
 * 'event conflict …', 'join eth0 33:33:ff:00:00:10', 'schedule 1100'.
 */
export function describeActions(actions: readonly AnnouncerAction[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'send': {
        const d = decodeFrame(a.frame);
        const dst = d.ok ? d.frame.eth.dst : '?';
        return `send ${a.iface} ${a.purpose} ${a.ip} →${dst}${a.trigger ? ` (${a.trigger})` : ''}`;
      }
      case 'join':
      case 'leave':
        return `${a.kind} ${a.iface} ${a.group}`;
      case 'schedule':
        return `schedule ${a.at}`;
      case 'event': {
        const e = a.event;
        switch (e.kind) {
          case 'conflict':
            return `event conflict ${e.ip} ${e.iface} ${e.mac} ${e.classification} ${e.phase} via=${e.via} suppressed=${e.suppressed} defended=${e.defended}`;
          case 'request':
            return `event request ${e.ip} ${e.iface} from=${e.from}${e.unicast ? ' unicast' : ''}`;
          case 'announcing':
            return `event announcing ${e.ip} ${e.iface} ${e.claim}${e.probed ? ' probed' : ''}`;
          case 'dropped':
            return `event dropped ${e.iface} ${e.reason}`;
          default:
            return `event ${e.kind} ${e.ip} ${e.iface}`;
        }
      }
    }
  });
}

/** The sends among the actions, decoded. */
export function sentFrames(actions: readonly AnnouncerAction[]) {
  return actions.flatMap((a) => {
    if (a.kind !== 'send') return [];
    const d = decodeFrame(a.frame);
    if (!d.ok) throw new Error(`announcer produced an undecodable frame: ${d.reason}`);
    return [{ action: a, frame: d.frame }];
  });
}
