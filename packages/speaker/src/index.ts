// Public surface of @ironlb/speaker: the packet layer (codecs, the PacketSocket port and
// its AF_PACKET implementation), the announcer state machine and its runtime, and
// interface discovery.
export * from './packet/codec/index.js';
export * from './packet/bpf.js';
export * from './packet/packet-socket.js';
export * from './packet/socket-error.js';
export { interfaceInfo, nativeStats, openPacketSocket, type NativeInterfaceInfo } from './packet/native-socket.js';

export { Announcer, type AnnouncerOptions } from './announce/announcer.js';
export * from './announce/config.js';
export * from './announce/counters.js';
export * from './announce/types.js';
export { createResponder, type Responder, type ResponderDeps, type ResponderEvent } from './announce/runtime.js';

export * from './interfaces/types.js';
export * from './interfaces/select.js';
export * from './interfaces/sysfs-lister.js';
export * from './interfaces/link-state.js';

// The speaker proper: election, membership, ownership plans, and createSpeaker (what
// main.ts and the tests build; the CLI reuses the pure parts).
// The election and its views moved to core (one implementation for the speaker and
// `kubectl ironlb`); re-exported here for the speaker's existing users.
export type { CandidateExclusion, ElectionAdvertisement, ElectionInput, ElectionNode, ElectionPool, ElectionService, NoOwnerReason, ServiceDecision, TrafficPolicy } from '@ironlb/core';
export { electServices, electionOrder, desiredAnnouncements, noOwnerMessage, type DesiredAnnouncement } from '@ironlb/core';
export { planOwnership, EMPTY_OWNERSHIP, type OwnershipState, type OwnerChange, type ChangeCause } from './plan/ownership.js';
export { planEntries } from './plan/entries.js';
export { createSpeaker, DEFAULT_SPEAKER_TIMINGS, type Speaker, type SpeakerDeps, type SpeakerTimings } from './speaker.js';
export { createSpeakerMetrics, type SpeakerMetrics } from './metrics.js';
export { parseSpeakerFlags, type SpeakerFlags } from './flags.js';
export { Membership, LeaseView, combineLiveness, openHeartbeatSocket, type HeartbeatSocket, type MembershipConfig, type MembershipEvent, type Peer } from './membership/index.js';
