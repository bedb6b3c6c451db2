/**
 * A throw-away ZooKeeper for the bench (the Debian `zookeeper` jar the tests use too): a temp data dir, a free
 * loopback port, no fsync. Ready when the port accepts connections.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launch } from './processes.js';

const JAR = process.env.FERRY_ZOOKEEPER_JAR ?? '/usr/share/java/zookeeper.jar';

export async function startZooKeeper(cpu: string): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-zk-'));
  const cfg = join(dir, 'zoo.cfg');
  const lines = [`tickTime=2000`, `dataDir=${join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1'];
  await writeFile(cfg, [...lines, 'admin.enableServer=false', 'forceSync=no', 'maxClientCnxns=0', ''].join('\n'));
  const main = 'org.apache.zookeeper.server.ZooKeeperServerMain';
  const running = await launch('java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', JAR, main, cfg], { cpu, ready: { port } });
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
