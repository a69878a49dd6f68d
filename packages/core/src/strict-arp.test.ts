import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isIronlbError } from './errors.js';
import { checkStrictArp, KubeProxyInspectCommand, KubeProxyRestartCommand, StrictArpCliFix, StrictArpSedFix, strictArpPatch } from './strict-arp.js';

// What kubeadm v1.31 writes (kubectl -n kube-system get cm kube-proxy -o jsonpath='{.data.config\.conf}'),
// trimmed of a few fields, with the two lines the cases vary.
function kubeadmConfig(mode: string, strictArp: string | undefined): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
${strictArp === undefined ? '' : `  strictARP: ${strictArp}\n`}  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
metricsBindAddress: ""
mode: ${mode}
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForAlphaFeatures: false
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`;
}

const noIpvsBlock = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
# set by the installer
mode: ipvs
clusterCIDR: 10.244.0.0/16
`;

const cm = (conf: string) => ({ data: { 'config.conf': conf, kubeconfig: 'apiVersion: v1\nkind: Config\n' } });

describe('checkStrictArp', () => {
  const cases: { name: string; input: { data?: Record<string, string> } | undefined; want: Record<string, unknown> }[] = [
    { name: 'no ConfigMap (Cilium, no kube-proxy)', input: undefined, want: { ok: true, reason: 'no-configmap', mode: undefined } },
    { name: 'iptables, mode ""', input: cm(kubeadmConfig('""', 'false')), want: { ok: true, reason: 'not-ipvs', mode: 'iptables' } },
    { name: 'iptables explicit', input: cm(kubeadmConfig('iptables', undefined)), want: { ok: true, reason: 'not-ipvs', mode: 'iptables' } },
    { name: 'mode absent', input: cm('apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n'), want: { ok: true, reason: 'not-ipvs', mode: 'iptables' } },
    { name: 'nftables', input: cm(kubeadmConfig('nftables', 'false')), want: { ok: true, reason: 'not-ipvs', mode: 'nftables' } },
    { name: 'ipvs, strictARP true', input: cm(kubeadmConfig('ipvs', 'true')), want: { ok: true, reason: 'strict-arp-on', mode: 'ipvs' } },
    { name: 'ipvs quoted, strictARP true', input: cm(kubeadmConfig('"ipvs"', 'true')), want: { ok: true, reason: 'strict-arp-on', mode: 'ipvs' } },
    { name: 'mode "IPVS", strictARP true', input: cm(kubeadmConfig('"IPVS"', 'true')), want: { ok: true, reason: 'strict-arp-on', mode: 'ipvs' } },
    { name: 'ipvs, strictARP false', input: cm(kubeadmConfig('ipvs', 'false')), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpSedFix } },
    { name: 'mode "IPVS", strictARP false', input: cm(kubeadmConfig('IPVS', 'false')), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpSedFix } },
    { name: 'ipvs, strictARP absent', input: cm(kubeadmConfig('ipvs', undefined)), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpCliFix } },
    { name: 'ipvs, strictARP "true" (a string: kube-proxy rejects it)', input: cm(kubeadmConfig('ipvs', '"true"')), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpCliFix } },
    { name: 'ipvs, ipvs block missing', input: cm(noIpvsBlock), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpCliFix } },
    { name: 'ipvs, ipvs: null', input: cm('mode: ipvs\nipvs:\n'), want: { ok: false, reason: 'strict-arp-off', mode: 'ipvs', fix: StrictArpCliFix } },
    { name: 'garbage', input: cm('mode: [ipvs\n  strictARP: {{{'), want: { ok: false, reason: 'unreadable', mode: 'unknown', fix: KubeProxyInspectCommand } },
    { name: 'a scalar, not a mapping', input: cm('just some text'), want: { ok: false, reason: 'unreadable', mode: 'unknown' } },
    { name: 'a list', input: cm('- mode: ipvs\n'), want: { ok: false, reason: 'unreadable', mode: 'unknown' } },
    { name: 'mode not a string', input: cm('mode: 42\n'), want: { ok: false, reason: 'unreadable', mode: 'unknown' } },
    { name: 'key missing', input: { data: { kubeconfig: 'x' } }, want: { ok: false, reason: 'unreadable', mode: 'unknown' } },
    { name: 'no data at all', input: {}, want: { ok: false, reason: 'unreadable', mode: 'unknown' } },
  ];
  it.each(cases)('$name', ({ input, want }) => {
    const verdict = checkStrictArp(input);
    expect(verdict).toMatchObject(want);
    expect(verdict.message.length).toBeGreaterThan(20);
    if (!verdict.ok) {
      expect(verdict.restart).toBe(KubeProxyRestartCommand);
      expect(verdict.message).toContain('kube-system/kube-proxy');
      expect(verdict.message).toContain('config.conf');
    }
  });

  it('gives the exact MetalLB one-liner and the restart for strictARP: false', () => {
    const v = checkStrictArp(cm(kubeadmConfig('ipvs', 'false')));
    expect(v).toMatchObject({
      fix: 'kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system',
      restart: 'kubectl -n kube-system rollout restart daemonset kube-proxy',
    });
    expect(v.message).toContain('rollout restart daemonset kube-proxy');
  });

  it('names the parse problem when unreadable', () => {
    expect(checkStrictArp({ data: {} }).message).toMatch(/ConfigMap kube-system\/kube-proxy, key config\.conf\): the key is missing/);
    expect(checkStrictArp(cm('mode: [ipvs')).message).toMatch(/not valid YAML/);
  });

  it('applying the sed fix to the text turns the verdict into a pass', () => {
    const conf = kubeadmConfig('ipvs', 'false');
    const sedded = conf.replace(/strictARP: false/g, 'strictARP: true');
    expect(checkStrictArp(cm(sedded))).toMatchObject({ ok: true, reason: 'strict-arp-on' });
  });

  it('never throws, whatever config.conf holds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `mode: ipvs\nipvs:\n  strictARP: ${s}\n`)), (text) => {
        const v = checkStrictArp(cm(text));
        expect(typeof v.ok).toBe('boolean');
      }),
    );
  });
});

describe('strictArpPatch', () => {
  it('changes only the strictARP line of a kubeadm config', () => {
    const before = kubeadmConfig('ipvs', 'false');
    expect(strictArpPatch(before)).toBe(kubeadmConfig('ipvs', 'true'));
  });

  it('adds strictARP to an ipvs block that lacks it, keeping every other field', () => {
    const before = kubeadmConfig('ipvs', undefined);
    const after = strictArpPatch(before);
    expect(checkStrictArp(cm(after))).toMatchObject({ ok: true, reason: 'strict-arp-on' });
    const a = parse(before) as Record<string, Record<string, unknown>>;
    const b = parse(after) as Record<string, Record<string, unknown>>;
    expect(b).toEqual({ ...a, ipvs: { ...a.ipvs, strictARP: true } });
  });

  it('creates a missing ipvs block and keeps comments and field order', () => {
    const after = strictArpPatch(noIpvsBlock);
    expect(after).toBe(`${noIpvsBlock}ipvs:\n  strictARP: true\n`);
    expect(checkStrictArp(cm(after))).toMatchObject({ ok: true, reason: 'strict-arp-on' });
  });

  it('replaces ipvs: null in place', () => {
    expect(strictArpPatch('mode: ipvs\nipvs:\nkind: KubeProxyConfiguration\n')).toBe('mode: ipvs\nipvs:\n  strictARP: true\nkind: KubeProxyConfiguration\n');
  });

  it('keeps comments, quoting and long lines', () => {
    const before = `# managed by hand\nmode: "ipvs" # was iptables\nipvs:\n  # keep the VIPs quiet\n  strictARP: false # MetalLB says true\n  scheduler: 'rr'\nnodePortAddresses: ["${'10.0.0.0/8", "'.repeat(20)}192.168.0.0/16"]\n`;
    const after = strictArpPatch(before);
    expect(after).toBe(before.replace('strictARP: false', 'strictARP: true'));
  });

  it('is idempotent and round-trips arbitrary extra fields', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z]{0,8}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean())), fc.boolean(), (extra, withIpvs) => {
        const { ipvs: _drop, ...fields } = extra as Record<string, unknown>;
        const source = { ...fields, mode: 'ipvs', ...(withIpvs ? { ipvs: { scheduler: 'rr', strictARP: false } } : {}) };
        const text = Object.entries(source)
          .map(([k, v]) => `${k}: ${typeof v === 'object' ? `\n  scheduler: rr\n  strictARP: false` : JSON.stringify(v)}`)
          .join('\n');
        const once = strictArpPatch(text);
        expect(strictArpPatch(once)).toBe(once);
        const parsed = parse(once) as Record<string, unknown>;
        expect(parsed).toEqual({ ...source, ipvs: { ...(withIpvs ? { scheduler: 'rr' } : {}), strictARP: true } });
      }),
    );
  });

  it('throws IRONLB_CONFIG on text that is not a YAML mapping', () => {
    for (const bad of ['mode: [ipvs', '- a\n- b\n', 'plain words']) {
      expect(() => strictArpPatch(bad)).toThrow(expect.objectContaining({ code: 'IRONLB_CONFIG' }));
      try {
        strictArpPatch(bad);
      } catch (e) {
        expect(isIronlbError(e, 'IRONLB_CONFIG')).toBe(true);
      }
    }
  });
});
