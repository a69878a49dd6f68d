// How announcer and runtime events read in the logs: one vocabulary (LogFields) and event
// names that follow a takeover across nodes (every gratuitous frame is `gratuitousSent` at
// debug; the speaker logs the first one of a takeover as `garpSent` at info).
import { LogFields, type Logger } from '@ironlb/core';
import type { ResponderEvent } from './runtime.js';

export function logAnnouncerEvent(log: Logger, e: ResponderEvent): void {
  const F = LogFields;
  switch (e.kind) {
    case 'announcing':
      log.info({ [F.event]: 'announcing', [F.ip]: e.ip, [F.iface]: e.iface, claim: e.claim, probed: e.probed }, 'announcing IP');
      return;
    case 'quiet':
      log.info({ [F.event]: 'quiet', [F.ip]: e.ip, [F.iface]: e.iface }, 'answering for IP without announcing it (handoff or drain)');
      return;
    case 'withdrawn':
      log.info({ [F.event]: 'withdrawn', [F.ip]: e.ip, [F.iface]: e.iface }, 'stopped announcing IP');
      return;
    case 'probing':
      log.info({ [F.event]: 'probing', [F.ip]: e.ip, [F.iface]: e.iface }, 'probing for other users of a first-claimed IP');
      return;
    case 'conflict':
      log.warn(
        {
          [F.event]: 'ipConflict',
          [F.ip]: e.ip,
          [F.iface]: e.iface,
          [F.mac]: e.mac,
          [F.reason]: e.classification,
          phase: e.phase,
          via: e.via,
          suppressed: e.suppressed,
          defended: e.defended,
        },
        e.knownSpeaker ? 'another speaker announces an IP we own (split view)' : 'a foreign host uses an IP we own or probe for',
      );
      return;
    case 'request':
      log.debug({ [F.event]: e.family === 4 ? 'arpRequest' : 'ndpSolicitation', [F.ip]: e.ip, [F.iface]: e.iface, [F.mac]: e.from, unicast: e.unicast }, 'request');
      return;
    case 'dropped':
      log.debug({ [F.event]: e.family === 6 ? 'ndpDropped' : 'arpDropped', [F.iface]: e.iface, [F.reason]: e.reason }, 'dropped frame');
      return;
    case 'sent':
      if (e.purpose === 'garp-request' || e.purpose === 'garp-reply' || e.purpose === 'na-unsolicited') {
        log.debug({ [F.event]: 'gratuitousSent', [F.ip]: e.ip, [F.iface]: e.iface, purpose: e.purpose, trigger: e.trigger }, 'gratuitous announcement sent');
      }
      return;
    case 'send-failed':
      log.warn({ [F.event]: 'sendFailed', [F.ip]: e.ip, [F.iface]: e.iface, purpose: e.purpose, [F.err]: e.error }, 'could not send frame');
      return;
    case 'socket-opened':
      log.info({ [F.event]: 'socketOpened', [F.iface]: e.iface, [F.mac]: e.mac, family: e.family }, 'packet socket open');
      return;
    case 'socket-error':
      log.error({ [F.event]: 'socketError', [F.iface]: e.iface, family: e.family, [F.err]: e.error }, 'packet socket error');
      return;
  }
}
