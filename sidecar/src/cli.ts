import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

export const USAGE = `ferry — a sidecar that bridges plain local HTTP to Dubbo, JSON-RPC, gRPC and HTTP services

Usage:
  ferry [options]              run the sidecar
  ferry check CONFIG           validate a config file and exit (0 = valid)
  ferry injector -c FILE       run the Kubernetes sidecar injector (admission webhook, see README)
  ferry --help | --version

Options:
  -c, --config FILE            YAML config (default: $FERRY_CONFIG; none = the embedded demo config)
      --no-config              no file: defaults, FERRY_* environment and flags only (no demo)
      --host HOST              local API host (listen.host)
  -p, --port PORT              local API port (listen.port)
      --admin-port PORT        admin port: /metrics, /healthz, /readyz (admin.port)
      --log-level LEVEL        fatal|error|warn|info|debug|trace|silent (log.level)
      --demo                   also start the demo upstream and use the embedded demo config
  -h, --help                   show this help
  -v, --version                print the version

Precedence: config file, then FERRY_* environment variables (FERRY_LISTEN__PORT=4140,
FERRY_SERVICES__ORDERS__TIMEOUT_MS=800), then flags. SIGHUP reloads the config file; a bad file keeps
the running config.`;

export interface CliArgs {
  command: 'run' | 'check' | 'injector' | 'help' | 'version';
  configFile?: string;
  demo: boolean;
  overrides: Record<string, unknown>;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'admin-port': { type: 'string' },
      'log-level': { type: 'string' },
      'no-config': { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  const overrides: Record<string, unknown> = {};
  if (values.host !== undefined || values.port !== undefined)
    overrides.listen = { ...(values.host ? { host: values.host } : {}), ...(values.port ? { port: values.port } : {}) };
  if (values['admin-port'] !== undefined) overrides.admin = { port: values['admin-port'] };
  if (values['log-level'] !== undefined) overrides.log = { level: values['log-level'] };
  if (values.help) return { command: 'help', demo: false, overrides };
  if (values.version) return { command: 'version', demo: false, overrides };
  if (positionals[0] === 'check') {
    const file = positionals[1] ?? values.config;
    if (!file) throw new Error('ferry check needs a config file: ferry check CONFIG');
    return { command: 'check', configFile: file, demo: false, overrides };
  }
  if (positionals[0] === 'injector') {
    if (!values.config) throw new Error('ferry injector needs its config file: ferry injector --config FILE');
    return { command: 'injector', configFile: values.config, demo: false, overrides };
  }
  if (positionals.length > 0) throw new Error(`unknown command "${positionals[0]}" (see ferry --help)`);
  if (values['no-config']) {
    if (values.config) throw new Error('--no-config and --config exclude each other');
    return { command: 'run', demo: values.demo, overrides };
  }
  const configFile = values.config ?? (env.FERRY_CONFIG || undefined);
  return { command: 'run', demo: values.demo || !configFile, overrides, ...(configFile ? { configFile } : {}) };
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
