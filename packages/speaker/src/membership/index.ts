// Public surface of the speaker's membership layer: the pure heartbeat state machine and
// its packet codec, the Lease-layer view, and the UDP adapter.
export * from './types.js';
export * from './config.js';
export { Membership, type MembershipOptions } from './membership.js';
export { LeaseView, combineLiveness, parseRfc3339, type LeaseSnapshot, type LeaseViewOptions } from '@ironlb/core';
export { openHeartbeatSocket, parseEndpoint, formatEndpoint, type Endpoint, type HeartbeatSocket, type HeartbeatSocketStats } from './udp-transport.js';
export { decodePacket, encodePacket, peekPacketType, verifyMac, MAX_PACKET_BYTES, type DecodedPacket, type MemberFact, type PacketBody, type PacketHeader, type PacketType } from './wire.js';
export { ringHash } from './ring.js';
