#!/usr/bin/env node
// Entry point of `ironlb-speaker`. Filled by a later issue; until then it says so honestly.
console.error('ironlb-speaker: not implemented yet');
process.exit(2);
