import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from './args.js';
import { problems, type MachineFacts } from './prereq.js';

describe('parseDemoArgs', () => {
  it.each([
    [[], { kind: 'run', keep: false }],
    [['--keep'], { kind: 'run', keep: true }],
    [['--down'], { kind: 'down' }],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['--keep', '--down'], { error: '--keep and --down exclude each other' }],
    [['--kepe'], { error: 'unknown argument "--kepe"' }],
  ])('%j → %j', (argv, want) => expect(parseDemoArgs(argv)).toEqual(want));

  // `npm run demo --keep` (no `--`): npm keeps the flag and sets npm_config_keep=true.
  it.each([
    [[], { npm_config_keep: 'true', npm_lifecycle_event: 'demo' }, { kind: 'run', keep: true }],
    [[], { npm_config_down: 'true', npm_lifecycle_event: 'demo' }, { kind: 'down' }],
    [['--keep'], { npm_config_down: 'true', npm_lifecycle_event: 'demo' }, { error: '--keep and --down exclude each other' }],
    [[], { npm_config_keep: 'false', npm_lifecycle_event: 'demo' }, { kind: 'run', keep: false }],
    [[], { npm_config_keep: 'true', npm_lifecycle_event: 'test' }, { kind: 'run', keep: false }],
  ])('%j with npm env %j → %j', (argv, env, want) => expect(parseDemoArgs(argv, env)).toEqual(want));
});

const ok: MachineFacts = {
  uid: 0,
  nodeVersion: 'v20.19.5',
  tools: { ip: true, arping: true, curl: true, openssl: true, sysctl: true },
  addonBuilt: true,
  depsInstalled: true,
  clusters: [],
};

describe('problems', () => {
  it.each([
    ['nothing on a ready machine', {}, []],
    ['not root', { uid: 1000 }, [/needs root.*sudo npm run demo/]],
    ['old Node', { nodeVersion: 'v18.20.0' }, [/Node\.js v18\.20\.0 is too old/]],
    ['missing commands', { tools: { ip: true, arping: false, curl: false, openssl: true, sysctl: true } }, [/missing commands: arping, curl \(.*bash \.ci\/setup/]],
    ['no node_modules', { depsInstalled: false, addonBuilt: false }, [/node_modules is missing: run bash \.ci\/setup/]],
    ['no addon', { addonBuilt: false }, [/native addon is not built/]],
    ['a kept demo', { clusters: [{ id: 'abcde', demo: true }] }, [/demo cluster \(abcde\).*npm run demo -- --down/]],
    ['a test run', { clusters: [{ id: 'abcde', demo: false, ownerPid: 42 }] }, [/owned by process 42/]],
    ['cluster:up', { clusters: [{ id: 'abcde', demo: false }] }, [/npm run cluster:down -- --id abcde/]],
    ['several at once', { uid: 1, addonBuilt: false }, [/needs root/, /native addon/]],
  ] as [string, Partial<MachineFacts>, RegExp[]][])('%s', (_name, facts, want) => {
    const got = problems({ ...ok, ...facts });
    expect(got).toHaveLength(want.length);
    want.forEach((re, i) => expect(got[i]).toMatch(re));
  });
});
