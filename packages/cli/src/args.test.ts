import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';

describe('parseArgs', () => {
  const runs: { argv: string[]; command: object; options?: object }[] = [
    { argv: ['status'], command: { name: 'status' }, options: { output: 'table', allNamespaces: false, systemNamespace: 'metallb-system', requestTimeoutMs: 10_000 } },
    { argv: ['status', '-A', '-o', 'wide'], command: { name: 'status' }, options: { allNamespaces: true, output: 'wide' } },
    { argv: ['-n', 'demo', 'status', '-ojson'], command: { name: 'status' }, options: { namespace: 'demo', output: 'json' } },
    { argv: ['status', '--namespace=demo', '--output=yaml', '--kubeconfig', '/k', '--context', 'c'], command: { name: 'status' }, options: { namespace: 'demo', output: 'yaml', kubeconfig: '/k', context: 'c' } },
    { argv: ['explain', 'svc/web', '-n', 'demo'], command: { name: 'explain', service: 'web' }, options: { namespace: 'demo' } },
    { argv: ['explain', 'service/web'], command: { name: 'explain', service: 'web' } },
    { argv: ['explain', 'web'], command: { name: 'explain', service: 'web' } },
    { argv: ['pools', '--system-namespace', 'lb', '--request-timeout', '2.5'], command: { name: 'pools' }, options: { systemNamespace: 'lb', requestTimeoutMs: 2500 } },
    { argv: ['preflight', '--fix'], command: { name: 'preflight', fix: true } },
    { argv: ['preflight'], command: { name: 'preflight', fix: false } },
    { argv: ['status', '--lb-class', 'x'], command: { name: 'status' }, options: { lbClass: 'x' } },
  ];
  it.each(runs)('$argv', ({ argv, command, options }) => {
    const p = parseArgs(argv);
    expect(p.kind).toBe('run');
    if (p.kind !== 'run') return;
    expect(p.command).toEqual(command);
    if (options) expect(p.options).toMatchObject(options);
  });

  const errors: { argv: string[]; message: RegExp }[] = [
    { argv: ['status', '-o', 'xml'], message: /--output must be one of table, wide, json, yaml/ },
    { argv: ['status', '--bogus'], message: /unknown flag --bogus/ },
    { argv: ['status', '-n'], message: /-n needs a value/ },
    { argv: ['status', '-n', 'a', '-A'], message: /mutually exclusive/ },
    // A flag taken as the namespace would silently answer "No LoadBalancer Services found".
    { argv: ['status', '-n', '-A'], message: /-n\/--namespace: "-A" is not a namespace name/ },
    { argv: ['explain', 'svc/web', '-n', 'Demo'], message: /-n\/--namespace: "Demo" is not a namespace name/ },
    { argv: ['status', '-n='], message: /-n\/--namespace: "" is not a namespace name/ },
    { argv: ['pools', '--system-namespace', 'a_b'], message: /--system-namespace: "a_b" is not a namespace name/ },
    { argv: ['status', 'extra'], message: /takes no arguments/ },
    { argv: ['explain'], message: /explain takes one Service/ },
    { argv: ['explain', 'pod/x'], message: /not a Service/ },
    { argv: ['pools', '--fix'], message: /--fix only applies to preflight/ },
    { argv: ['frobnicate'], message: /unknown command "frobnicate"/ },
    { argv: ['status', '--request-timeout', '0'], message: /positive number of seconds/ },
  ];
  it.each(errors)('$argv is a usage error', ({ argv, message }) => {
    const p = parseArgs(argv);
    expect(p.kind).toBe('usage-error');
    if (p.kind === 'usage-error') expect(p.message).toMatch(message);
  });

  it('prints help for no command, help, -h and --help', () => {
    for (const argv of [[], ['help'], ['-h'], ['status', '--help']]) expect(parseArgs(argv).kind).toBe('help');
  });
});
