// Command-line flags of ironlb-controller. Pure: main.ts passes argv and env in.
import { parseArgs } from 'node:util';
import { IronlbError, ErrorCodes } from '@ironlb/core';

export interface ControllerFlags {
  namespace: string;
  lbClass?: string;
  metricsAddr: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  kubeconfig?: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export const USAGE = `usage: ironlb-controller [flags]
  --namespace NS          namespace of IPAddressPools and the lease (default metallb-system)
  --lb-class NAME         only handle Services with spec.loadBalancerClass NAME
                          (default: only Services with no loadBalancerClass)
  --metrics-addr ADDR     /metrics, /healthz, /readyz listen address (default :7472)
  --log-level LEVEL       trace|debug|info|warn|error (default info)
  --kubeconfig PATH       kubeconfig (default: $KUBECONFIG, then in-cluster config)
  --lease-name NAME       leader-election lease (default ironlb-controller)
  --lease-duration SECS   lease duration in seconds (default 15)
  --identity ID           leader-election identity (default: $POD_NAME or hostname)
  --help, -h              print this help and exit`;

/** `--help` / `-h`: main prints USAGE and exits 0. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

export function parseControllerFlags(argv: string[], env: Record<string, string | undefined>, hostname: string): ControllerFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        namespace: { type: 'string' },
        'lb-class': { type: 'string' },
        'metrics-addr': { type: 'string' },
        'log-level': { type: 'string' },
        kubeconfig: { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-duration': { type: 'string' },
        identity: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new IronlbError(ErrorCodes.Config, `${(e as Error).message}\n${USAGE}`, { cause: e });
  }
  const level = values['log-level'] ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new IronlbError(ErrorCodes.Config, `--log-level: "${level}" is not one of ${LEVELS.join(', ')}`);
  }
  const duration = Number(values['lease-duration'] ?? 15);
  if (!Number.isInteger(duration) || duration < 2 || duration > 300) {
    throw new IronlbError(ErrorCodes.Config, `--lease-duration: "${values['lease-duration']}" must be a whole number of seconds from 2 to 300`);
  }
  const lbClass = values['lb-class'];
  if (lbClass !== undefined && lbClass.trim() === '') {
    throw new IronlbError(ErrorCodes.Config, '--lb-class: must not be empty (omit it to handle Services without a class)');
  }
  return {
    namespace: values.namespace ?? 'metallb-system',
    lbClass,
    metricsAddr: values['metrics-addr'] ?? ':7472',
    logLevel: level as ControllerFlags['logLevel'],
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    leaseName: values['lease-name'] ?? 'ironlb-controller',
    identity: values.identity ?? env.POD_NAME ?? hostname,
    leaseDurationSeconds: duration,
  };
}
