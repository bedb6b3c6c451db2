/**
 * Regenerates the golden Dubbo frames in sidecar/test/fixtures/dubbo/ from real Java peers:
 *
 *   npx tsc -b && node sidecar/dist/test/harness/capture-fixtures.js [--jar 3.3|3.2] [--out DIR]
 *
 * Java consumer -> capture proxy (java -jar ... capture) -> Java provider (no registry). Every frame that crosses
 * the proxy is saved; this script then names the interesting ones and writes manifest.json (frame -> method, JVM
 * descriptor, request id, flag/status, and the consumer's JSON view of args/value/exception).
 * See sidecar/test/fixtures/dubbo/README.md.
 */
import { mkdtemp, mkdir, readFile, copyFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureJavaPeers, startProvider, startCapture, runConsumer, REPO_ROOT } from './java.js';
import type { PeerJson } from '../support/peer-json.js';

interface IndexEntry {
  seq: number;
  dir: 'c2s' | 's2c';
  file: string;
  label: string;
  id: number | string;
  flag: string;
  status: number;
  bodyLength: number;
  event: boolean;
  twoWay: boolean;
  method?: string;
  desc?: string;
  path?: string;
  version?: string;
  dubboVersion?: string;
  genericMethod?: string;
  responseFlag?: number;
}

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
};

async function main(): Promise<void> {
  const { jar33, jar32 } = await ensureJavaPeers({ log: (l) => console.log(l) });
  const jar = opt('jar', '3.3') === '3.2' ? jar32 : jar33;
  const outDir = opt('out', join(REPO_ROOT, 'sidecar', 'test', 'fixtures', 'dubbo'));
  const raw = await mkdtemp(join(tmpdir(), 'ferry-capture-'));
  const provider = await startProvider({ jar, zkAddress: 'N/A', name: 'capture', extraArgs: ['--no-greeting'] });
  const proxy = await startCapture({ jar, target: `127.0.0.1:${provider.port}`, outDir: raw });
  const url = `dubbo://127.0.0.1:${proxy.port}`;
  const views: PeerJson[] = [];
  try {
    // 1. typed calls (one consumer JVM = one connection); heartbeat every 1 s and 2.5 s idle at the end
    const typed = await runConsumer({
      jar,
      mode: 'matrix',
      url,
      attachments: { 'x-tenant-id': 't1' },
      args: [
        '--methods',
        [
          'echoInt', 'echoLong', 'echoString', 'echoString#null', 'echoBigDecimal', 'echoDate', 'echoLocalDate',
          'echoLocalDateTime', 'echoColor', 'echoUser', 'echoOrder', 'echoMap', 'echoBytes', 'nullUser',
          'echo(String,int)', 'record', 'getUser#404', 'illegal', 'whoami', 'attachments',
        ].join(','),
        '--heartbeat', '1000',
        '--linger', '2500',
      ],
    });
    if (typed.code !== 0) throw new Error(`typed consumer failed: ${typed.stderr.slice(-3000)}`);
    views.push(...typed.lines.map((l) => ({ ...l, kind: 'typed' })));
    // 2. generic $invoke
    const generic = await runConsumer({
      jar,
      mode: 'generic',
      url,
      args: ['--service', 'matrix', '--methods', 'echoUser,getUser'],
    });
    if (generic.code !== 0) throw new Error(`generic consumer failed: ${generic.stderr.slice(-3000)}`);
    views.push(...generic.lines.map((l) => ({ ...l, kind: 'generic' })));
  } finally {
    await proxy.stop();
    await provider.stop();
  }

  const index: IndexEntry[] = (await readFile(join(raw, 'index.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as IndexEntry);
  const requests = index.filter((e) => e.dir === 'c2s' && !e.event);
  if (requests.length !== views.length) {
    throw new Error(`expected ${views.length} requests, captured ${requests.length}: ${requests.map((r) => r.label).join(', ')}`);
  }

  await mkdir(outDir, { recursive: true });
  // remove only the frames a previous run of this script wrote (listed in its manifest); other files stay
  try {
    const previous = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as { frames?: { file: string }[] };
    for (const f of previous.frames ?? []) if (/^[\w.,-]+\.bin$/.test(f.file)) await rm(join(outDir, f.file), { force: true });
  } catch {
    /* no previous manifest */
  }
  const manifest: Record<string, unknown>[] = [];
  const save = async (name: string, e: IndexEntry, extra: Record<string, unknown>) => {
    await copyFile(join(raw, e.file), join(outDir, name));
    const { file: _f, seq: _s, label: _l, ...meta } = e;
    manifest.push({ file: name, direction: e.dir === 'c2s' ? 'consumer->provider' : 'provider->consumer', ...meta, ...extra });
  };

  for (let i = 0; i < requests.length; i++) {
    const req = requests[i]!;
    const view = views[i]!;
    // "getUser#404" -> "getUser-404", "echo(String,int)" -> "echo-String-int"
    const callId = String(view.call ?? view.method).replace(/\)$/, '').replace(/[#(,]/g, '-').replace(/[^A-Za-z0-9_-]/g, '_');
    const base = `${view.kind}-${callId}`;
    const res = index.find((e) => e.dir === 's2c' && !e.event && String(e.id) === String(req.id));
    const common = { kind: view.kind, method: view.method, call: view.call ?? view.method };
    await save(`${base}.request.bin`, req, { ...common, args: view.args });
    if (res) {
      await save(`${base}.response.bin`, res, {
        ...common,
        ok: view.ok,
        value: view.value,
        exception: view.exception,
        exceptionClass: view.exceptionClass,
        message: view.message,
        responseAttachments: view.responseAttachments,
      });
    }
  }
  const hbReq = index.find((e) => e.event && e.dir === 'c2s' && e.label === 'heartbeat-req');
  const hbRes = hbReq && index.find((e) => e.event && e.dir === 's2c' && String(e.id) === String(hbReq.id));
  if (!hbReq || !hbRes) throw new Error('no heartbeat captured');
  await save('heartbeat.request.bin', hbReq, { kind: 'heartbeat' });
  await save('heartbeat.response.bin', hbRes, { kind: 'heartbeat' });

  // well-known aliases used by codec tests
  const alias: [string, string][] = [
    ['generic-echoUser.request.bin', 'generic-invoke.request.bin'],
    ['generic-echoUser.response.bin', 'generic-invoke.response.bin'],
    ['typed-echoUser.request.bin', 'typed-call.request.bin'],
    ['typed-echoUser.response.bin', 'typed-call.response.bin'],
    ['typed-whoami.response.bin', 'response-value-with-attachments.bin'],
    ['typed-nullUser.response.bin', 'response-null.bin'],
    ['typed-getUser-404.response.bin', 'response-exception.bin'],
  ];
  for (const [from, to] of alias) {
    const m = manifest.find((x) => x.file === from);
    if (!m) throw new Error(`missing ${from}`);
    await copyFile(join(outDir, from), join(outDir, to));
    manifest.push({ ...m, file: to, aliasOf: from });
  }
  const provVersion = provider.dubboVersion;
  await writeFile(
    join(outDir, 'manifest.json'),
    JSON.stringify(
      {
        capturedWith: { provider: `Apache Dubbo ${provVersion}`, consumer: `Apache Dubbo ${provVersion}`, serialization: 'hessian2' },
        frames: manifest,
      },
      null,
      2,
    ) + '\n',
  );
  await rm(raw, { recursive: true, force: true });
  console.log(`wrote ${manifest.length} frames + manifest.json to ${outDir}`);
}

// `node --test sidecar/dist/test` runs every file under test/ as a test: not this one
// (it is run by hand only, and would rewrite the tracked fixtures)
if (!process.env.NODE_TEST_CONTEXT) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
