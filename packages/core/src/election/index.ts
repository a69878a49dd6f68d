// Public surface of the election (pure): who announces each Service IP, and why not others.
export * from './types.js';
export { electServices } from './elect.js';
export { electionOrder, canonicalIp, hashNodeForIp } from './order.js';
export { desiredAnnouncements, type DesiredAnnouncement } from './desired.js';
export { checkNode } from './candidates.js';
export { mergeInterfaces, selectsNode, selectsPool, selectsService } from './advertisements.js';
export { noOwnerMessage, reportsNoOwner } from './no-owner.js';
