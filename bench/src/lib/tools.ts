/**
 * The load generators and the reference proxy the bench compares against, made present on first use:
 *   - wrk and nginx: Debian packages, `apt-get install` when missing (root; the policy of the machine keeps
 *     nginx's own service from starting — the bench runs its own nginx with its own config);
 *   - vegeta: built from Go modules once into `${FERRY_CACHE_DIR:-~/.cache/ferry}/vegeta-<version>`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CACHE_DIR = process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry');
export const VEGETA_VERSION = process.env.FERRY_VEGETA_VERSION ?? 'v12.13.0';

export interface Tools {
  wrk: string;
  nginx: string;
  vegeta: string;
}

const log = (line: string) => console.error(`[bench] ${line}`);

function onPath(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

function aptInstall(packages: string[]): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `missing ${packages.join(' ')}: install them (apt-get install -y --no-install-recommends ${packages.join(' ')}) ` +
        `or run the bench as root`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Other apt users on the machine hold the lock for a while: wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  let r = spawnSync('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  if (r.status !== 0) {
    log('apt-get update');
    spawnSync('apt-get', [...lock, 'update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

function ensureVegeta(): string {
  const dir = join(CACHE_DIR, `vegeta-${VEGETA_VERSION}`);
  const bin = join(dir, 'vegeta');
  if (existsSync(bin)) return bin;
  if (!onPath('go')) throw new Error('vegeta is built from Go modules: install Go (apt-get install golang) first');
  mkdirSync(dir, { recursive: true });
  log(`go install github.com/tsenart/vegeta/v12@${VEGETA_VERSION} (once, into ${dir})`);
  const r = spawnSync('nice', ['-n', '10', 'go', 'install', `github.com/tsenart/vegeta/v12@${VEGETA_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
    timeout: 900_000,
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not build vegeta ${VEGETA_VERSION} (exit ${r.status})`);
  return bin;
}

/** Finds or installs every tool; throws with the reason when one cannot be had. */
export function ensureTools(): Tools {
  const missing = ['wrk', 'nginx'].filter((t) => !onPath(t) && !existsSync(`/usr/sbin/${t}`));
  if (missing.length) {
    log(`apt-get install ${missing.join(' ')}`);
    aptInstall(missing);
  }
  const find = (t: string) => onPath(t) ?? (existsSync(`/usr/sbin/${t}`) ? `/usr/sbin/${t}` : undefined);
  const [wrk, nginx] = [find('wrk'), find('nginx')];
  if (!wrk || !nginx) throw new Error(`still missing after apt-get: ${[!wrk && 'wrk', !nginx && 'nginx'].filter(Boolean).join(' ')}`);
  return { wrk, nginx, vegeta: ensureVegeta() };
}
