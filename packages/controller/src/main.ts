#!/usr/bin/env node
// Entry point of `ironlb-controller`. Filled by a later issue; until then it says so honestly.
console.error('ironlb-controller: not implemented yet');
process.exit(2);
