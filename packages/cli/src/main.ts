#!/usr/bin/env node
// Entry point of `kubectl-ironlb` (kubectl finds it on PATH as `kubectl ironlb`). The only
// file that touches the process: argv, stdout/stderr, the exit code.
import { systemClock } from '@ironlb/core';
import { run } from './run.js';

const code = await run({
  argv: process.argv.slice(2),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  clock: systemClock,
  ...(process.env.KUBECONFIG ? { kubeconfigEnv: process.env.KUBECONFIG } : {}),
});
// Exit once stdout has drained (a pipe may be slow): the HTTP agent's idle sockets must
// not keep the process alive, and scripts rely on the code.
process.stdout.write('', () => process.exit(code));
