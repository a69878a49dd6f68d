// kube-proxy strictARP preflight (metallb-compat.md, "strictARP"). In IPVS mode kube-proxy
// binds every LoadBalancer IP to kube-ipvs0 on every node, so unless ipvs.strictARP is true
// (which makes it set arp_ignore=1 / arp_announce=2) every node's kernel answers ARP for
// every VIP and layer-2 mode silently breaks. MetalLB only documents this
// (metallb.io/installation, "Preparation"); we check it from the kube-proxy ConfigMap and
// hand the operator the exact command. Pure: the caller reads the ConfigMap.
import { isMap, parseDocument, type Document } from 'yaml';
import { ErrorCodes, IronlbError } from './errors.js';

/** Where kubeadm (and most distributions running kube-proxy) keep its configuration. */
export const KubeProxyConfigMap = { namespace: 'kube-system', name: 'kube-proxy', key: 'config.conf' } as const;

const WHERE = `ConfigMap ${KubeProxyConfigMap.namespace}/${KubeProxyConfigMap.name}, key ${KubeProxyConfigMap.key}`;

/** MetalLB's documented fix; works when config.conf contains the line `strictARP: false`. */
export const StrictArpSedFix =
  'kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system';
/**
 * When the field or the whole ipvs block is absent, sed has nothing to replace: the
 * operator adds it by hand (strictArpPatch does the same edit for tools).
 */
export const StrictArpCliFix = 'kubectl -n kube-system edit configmap kube-proxy  # under config.conf, set ipvs: {strictARP: true}';
/** kube-proxy applies the sysctls at start-up, so its pods must restart after the edit. */
export const KubeProxyRestartCommand = 'kubectl -n kube-system rollout restart daemonset kube-proxy';
/** Shows the configuration as kube-proxy reads it. */
export const KubeProxyInspectCommand = "kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.config\\.conf}'";

export type StrictArpPass =
  /** IPVS with strictARP true. */
  | { readonly ok: true; readonly mode: 'ipvs'; readonly reason: 'strict-arp-on'; readonly message: string }
  /** iptables, nftables, kernelspace…: kube-proxy does not bind VIPs to an interface. mode lower-cased; empty means iptables. */
  | { readonly ok: true; readonly mode: string; readonly reason: 'not-ipvs'; readonly message: string }
  /** No kube-proxy ConfigMap: no kube-proxy (e.g. Cilium's replacement) or not kubeadm-managed; passes with a note. */
  | { readonly ok: true; readonly mode: undefined; readonly reason: 'no-configmap'; readonly message: string };

export interface StrictArpFailure {
  readonly ok: false;
  /** 'unknown' when the configuration could not be read, so the mode is not known either. */
  readonly mode: 'ipvs' | 'unknown';
  readonly reason: 'strict-arp-off' | 'unreadable';
  /** A full sentence naming the ConfigMap and key, the consequence, and what to run. */
  readonly message: string;
  /** The one command the operator runs (for 'unreadable': the command to inspect it). */
  readonly fix: string;
  /** Run after `fix` so kube-proxy re-applies its ARP sysctls. */
  readonly restart: string;
}

export type StrictArpVerdict = StrictArpPass | StrictArpFailure;

/** What parseKubeProxyConfig makes of config.conf. */
type ParsedConfig = { ok: true; mode: string; strictArp: boolean } | { ok: false; detail: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseKubeProxyConfig(text: string): ParsedConfig {
  let root: unknown;
  try {
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first) return { ok: false, detail: `it is not valid YAML (${first.message.split('\n')[0]})` };
    root = doc.toJS();
  } catch (e) {
    return { ok: false, detail: `it is not valid YAML (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!isPlainObject(root)) return { ok: false, detail: 'it is not a KubeProxyConfiguration mapping' };
  const mode = root.mode ?? '';
  if (typeof mode !== 'string') return { ok: false, detail: `its "mode" is ${JSON.stringify(mode)}, not a string` };
  // kube-proxy's own default on Linux is iptables; mode is compared in any case so that
  // a hand-written "IPVS" is not waved through.
  const normalized = mode.trim().toLowerCase() || 'iptables';
  const ipvs = root.ipvs;
  // strictARP absent, or the whole ipvs block absent, is kube-proxy's default: false.
  return { ok: true, mode: normalized, strictArp: isPlainObject(ipvs) && ipvs.strictARP === true };
}

/**
 * Checks kube-proxy's strictARP from its ConfigMap (kube-system/kube-proxy, key
 * config.conf, a KubeProxyConfiguration YAML document). `configMap` undefined means the
 * ConfigMap does not exist (a 404): a pass with a note. A ConfigMap without the key, or
 * whose key is not a YAML mapping with a string `mode`, is 'unreadable' (fail closed: we
 * cannot tell whether every node will answer ARP). Never throws.
 */
export function checkStrictArp(configMap: { data?: Record<string, string> } | undefined): StrictArpVerdict {
  if (configMap === undefined) {
    return {
      ok: true,
      mode: undefined,
      reason: 'no-configmap',
      message: `no ConfigMap ${KubeProxyConfigMap.namespace}/${KubeProxyConfigMap.name}: kube-proxy is absent (e.g. Cilium's kube-proxy replacement) or not configured through it, so strictARP does not apply here`,
    };
  }
  const text = configMap.data?.[KubeProxyConfigMap.key];
  const parsed: ParsedConfig = text === undefined ? { ok: false, detail: 'the key is missing' } : parseKubeProxyConfig(text);
  if (!parsed.ok) {
    return {
      ok: false,
      mode: 'unknown',
      reason: 'unreadable',
      message: `cannot read kube-proxy's configuration (${WHERE}): ${parsed.detail}; if kube-proxy runs in IPVS mode without ipvs.strictARP: true, every node answers ARP for every LoadBalancer IP. Inspect it with: ${KubeProxyInspectCommand}`,
      fix: KubeProxyInspectCommand,
      restart: KubeProxyRestartCommand,
    };
  }
  if (parsed.mode !== 'ipvs') {
    return { ok: true, mode: parsed.mode, reason: 'not-ipvs', message: `kube-proxy runs in ${parsed.mode} mode (${WHERE}); strictARP only matters in IPVS mode` };
  }
  if (parsed.strictArp) {
    return { ok: true, mode: 'ipvs', reason: 'strict-arp-on', message: `kube-proxy runs in IPVS mode with ipvs.strictARP: true (${WHERE})` };
  }
  // MetalLB's sed only works when the line is there to replace.
  const fix = /^\s*strictARP: false\b/m.test(text ?? '') ? StrictArpSedFix : StrictArpCliFix;
  return {
    ok: false,
    mode: 'ipvs',
    reason: 'strict-arp-off',
    message: `kube-proxy runs in IPVS mode without ipvs.strictARP: true (${WHERE}): every node answers ARP for every LoadBalancer IP, so layer-2 announcements are unreliable. Fix: ${fix} ; then restart kube-proxy: ${KubeProxyRestartCommand}`,
    fix,
    restart: KubeProxyRestartCommand,
  };
}

/**
 * config.conf with ipvs.strictARP set to true and everything else — other fields, their
 * order, quoting and comments — kept, via yaml's Document API (the CLI's `preflight
 * --fix`). An absent or null `ipvs` block is created. Throws IronlbError
 * IRONLB_CONFIG when the text is not a YAML mapping (checkStrictArp says 'unreadable').
 */
export function strictArpPatch(configConf: string): string {
  const doc: Document = parseDocument(configConf);
  const first = doc.errors[0];
  if (first) throw new IronlbError(ErrorCodes.Config, `cannot patch ${WHERE}: not valid YAML`, { cause: first });
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new IronlbError(ErrorCodes.Config, `cannot patch ${WHERE}: it is not a KubeProxyConfiguration mapping`);
  }
  if (isMap(doc.get('ipvs', true))) doc.setIn(['ipvs', 'strictARP'], true);
  else doc.set('ipvs', doc.createNode({ strictARP: true }));
  // Keep the operator's layout: never fold long lines, and write flow lists as kubectl
  // and Go's yaml do ("[a, b]", not "[ a, b ]").
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
