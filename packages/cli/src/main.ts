#!/usr/bin/env node
// Entry point of `kubectl-ironlb`. Filled by a later issue; until then it says so honestly.
console.error('kubectl-ironlb: not implemented yet');
process.exit(2);
