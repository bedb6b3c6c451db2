/**
 * Every example in README.md works as written. Each fenced block carries a marker on the line before it,
 * invisible on GitHub: `<!-- example: KIND … -->`. KIND is one of
 *   config             the block is a Ferry config: loaded by the real loader (`loadConfig`) and must be valid
 *   config fragment    the same, for a block that uses a registry its section declared elsewhere: the test adds
 *                      each registry the block names but does not declare (`registries.NAME.address`)
 *   shell demo         each command runs in bash against `npm start`'s process (the sidecar on its embedded demo
 *                      config, on free ports: only `:4140`/`:4141` are rewritten). Expected output: the `# ` lines
 *                      right after a command that look like an answer (start with `{ [ " HTTP/` or a digit), or
 *                      `# → X` at the end of the command's line; `…` stands for anything. curl runs with
 *                      `--fail-with-body`, so an HTTP error answer fails the example.
 *   shell peers        the same against a second `ferry` whose config (PEERS_CONFIG below) names the services the
 *                      protocol sections call — calc (a jayson JSON-RPC server), greeter and ticker (@grpc/grpc-js
 *                      servers), users (com.example.UserService over Dubbo, found in a real ZooKeeper; no Java peer
 *                      exports that interface, so the provider is this ferry's own inbound Dubbo port in front of
 *                      a small HTTP app) — started by this test on free ports
 *   transcript         `$ ferry …` lines run the real `ferry` binary in a folder holding the files it names (given
 *                      by this test); the lines after it are its expected output
 *   ts                 TypeScript compiled (strict) against the SDK; `ts parts` splits it at `// heading` lines, each
 *                      part compiled alone with the prelude of its heading (the app object the snippet assumes);
 *                      `ts peers` also runs it (transpiled, `FERRY_URL` set) against the `shell peers` ferry
 *   java               a fragment of a Java program: compiled with javac against the Dubbo 3.3 peers' jar
 *                      (examples/dubbo-java) inside a method, next to stubs of the com.example types it names
 *                      (STUBS below) and the `log`/`bad` it assumes
 *   output             what the block before it answers; after a `shell` block of one command without expected
 *                      output, that command's answer must equal it as JSON (peer addresses shown as the README's)
 *   diagram            a picture, a tree or a wire shape: nothing to run
 *   not-run: REASON    cannot run here; REASON says why. Counted and printed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import yaml from 'js-yaml';
import jayson from 'jayson';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadConfig } from '../../src/config/load.js';
import { FERRY_BIN, spawnFerry, type FerryProcess } from '../support/process.js';
import { freePort } from '../harness/ports.js';
import { startZooKeeper, waitForDubboUrls } from '../harness/zookeeper.js';
import { ensureJavaPeers } from '../harness/java.js';
import { eventually, json, readBody, startUpstream, type TestUpstream } from '../support/helpers.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const KINDS = ['config', 'shell', 'transcript', 'ts', 'java', 'output', 'diagram', 'not-run'] as const;
type Kind = (typeof KINDS)[number];

interface Block {
  line: number;
  info: string;
  kind: Kind;
  args: string;
  text: string;
}

function extractBlocks(markdown: string): { blocks: Block[]; unmarked: string[] } {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const unmarked: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const marker = prev >= 0 ? /^<!--\s*example:\s*([a-z-]+)(.*?)\s*-->$/.exec(lines[prev]!.trim()) : null;
    const info = open[3]!.trim();
    if (!marker || !KINDS.includes(marker[1] as Kind)) {
      unmarked.push(
        `README.md:${i + 1}: a \`\`\`${info} block without a valid marker. Put one of ` +
          `<!-- example: config | shell demo | transcript | ts | ts parts | output | diagram | not-run: <why it cannot run here> --> ` +
          `on the line before it (see the header of sidecar/test/integration/readme.test.ts).`,
      );
    } else {
      blocks.push({
        line: i + 1,
        info,
        kind: marker[1] as Kind,
        args: marker[2]!.replace(/^:/, '').trim(),
        text: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return { blocks, unmarked };
}

const readme = await readFile(join(REPO, 'README.md'), 'utf8');
const { blocks, unmarked } = extractBlocks(readme);
const ofKind = (kind: Kind) => blocks.filter((b) => b.kind === kind);

test('every fenced block of README.md is marked', () => {
  assert.deepEqual(unmarked, []);
  for (const b of ofKind('not-run')) assert.ok(b.args.length > 10, `README.md:${b.line}: not-run needs a reason`);
  const runs = blocks.filter((b) => ['config', 'shell', 'transcript', 'ts', 'java'].includes(b.kind)).length;
  const notRun = ofKind('not-run');
  console.log(`README examples: ${runs} run, ${notRun.length} not runnable here:`);
  for (const b of notRun) console.log(`  README.md:${b.line} (${b.info}): ${b.args}`);
});

// ---------------------------------------------------------------------------------------------------- config

for (const b of ofKind('config')) {
  test(`README.md:${b.line}: the config loads`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-readme-'));
    try {
      const file = join(dir, 'ferry.yaml');
      await writeFile(file, b.args === 'fragment' ? withRegistries(b.text) : b.text);
      await provideFiles(dir, b.text);
      const { config } = await loadConfig({ file, env: {} });
      // The loader takes values literally: a `${VAR}` in an example would reach the wire as those characters.
      const literal = JSON.stringify(config).match(/\$\{[A-Z_]+\}/);
      assert.equal(literal, null, `README.md:${b.line}: Ferry does not expand ${literal?.[0]} in config files`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** The files the block's services name (`proto`, `includeDirs`), as the user has them beside the config (the loader checks). */
async function provideFiles(dir: string, text: string): Promise<void> {
  const doc = (yaml.load(text) ?? {}) as { services?: Record<string, { proto?: string[]; includeDirs?: string[] }> };
  for (const svc of Object.values(doc.services ?? {})) {
    for (const folder of svc.includeDirs ?? []) await mkdir(join(dir, folder), { recursive: true });
    for (const proto of svc.proto ?? []) {
      await mkdir(dirname(join(dir, proto)), { recursive: true });
      await writeFile(join(dir, proto), 'syntax = "proto3";\n');
    }
  }
}

/** The block, plus a ZooKeeper registry for every name it refers to without declaring it. */
function withRegistries(text: string): string {
  const doc = (yaml.load(text) ?? {}) as {
    registries?: Record<string, unknown>;
    services?: Record<string, { registry?: string }>;
    inbound?: { dubbo?: { registry?: string } };
    adhoc?: { registries?: string[] };
  };
  const named = [
    ...Object.values(doc.services ?? {}).map((s) => s.registry),
    doc.inbound?.dubbo?.registry,
    ...(doc.adhoc?.registries ?? []),
  ];
  for (const name of named) if (name && !doc.registries?.[name]) (doc.registries ??= {})[name] = { address: '127.0.0.1:2181' };
  return yaml.dump(doc);
}

// ----------------------------------------------------------------------------------------------- transcript

/** The files a transcript names, shaped to give exactly the answer it shows. */
const TRANSCRIPT_FILES: Record<string, string> = {
  'bad.yaml': `services:
  orders: { protocol: http, endpoints: ["not a url"] }
  users: { protocol: http, endpoints: ["http://users:8080"], timeoutMs: fast }
`,
};

for (const b of ofKind('transcript')) {
  test(`README.md:${b.line}: the transcript answers as shown`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-readme-'));
    try {
      const steps = splitTranscript(b.text);
      assert.ok(steps.length > 0, 'no `$ ` command in the transcript');
      for (const { command, expected } of steps) {
        const argv = command.split(/\s+/);
        assert.equal(argv[0], 'ferry', `README.md:${b.line}: transcripts run ferry only`);
        for (const arg of argv.slice(1)) {
          const content = TRANSCRIPT_FILES[arg];
          if (content !== undefined) await writeFile(join(dir, arg), content);
        }
        const out = await run(process.execPath, [FERRY_BIN, ...argv.slice(1)], dir);
        assertOutput(out.stdout + out.stderr, expected, `README.md:${b.line}: $ ${command}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

function splitTranscript(text: string): { command: string; expected: string[] }[] {
  const steps: { command: string; expected: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2).trim(), expected: [] });
    else steps.at(-1)?.expected.push(line);
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------------- shell

type Callback = (error: unknown, result?: unknown) => void;

/** The services the protocol sections' curl examples call, each backed by a real server this test starts. */
const USER_CLASSES = `
      com.example.User:
        id: long
        name: java.lang.String
        birthday: java.util.Date
        balance: java.math.BigDecimal
        tags: java.util.List<java.lang.String>
        color: com.example.Color`;
const PEERS_CONFIG = (p: {
  calc: string;
  greeter: string;
  ticker: string;
  zk: string;
  app: string;
  dubboPort: number;
}) => `application: readme-peers
advertiseHost: 127.0.0.1
registries:
  zk: { address: "${p.zk}" }
adhoc: { enabled: true, registries: [zk] }
services:
  calc: { protocol: jsonrpc, endpoints: ["${p.calc}"] }
  orders: { protocol: http, endpoints: ["${p.app}"] }
  greeter: { protocol: grpc, endpoints: ["${p.greeter}"], proto: [protos/greeter.proto], service: helloworld.Greeter }
  ticker: { protocol: grpc, endpoints: ["${p.ticker}"], proto: [protos/ticker.proto], service: ticker.Ticker }
  users:
    protocol: dubbo
    registry: zk
    interface: com.example.UserService
    version: 1.0.0
    group: blue
    methods:
      getUser: { parameterTypes: [long], returns: com.example.User }
      saveUser: { parameterTypes: [com.example.User] }
      audit: { parameterTypes: [java.lang.String], oneWay: true }
    classes:${USER_CLASSES}
inbound:
  app: { url: "${p.app}" }
  dubbo:
    port: ${p.dubboPort}
    host: 127.0.0.1
    registry: zk
    services:
      - interface: com.example.UserService
        version: 1.0.0
        group: blue
        methods:
          getUser: { http: "GET /users/{0}", parameterTypes: [long], returns: com.example.User }
          saveUser: { http: "POST /users", parameterTypes: [com.example.User], returns: com.example.User }
          audit: { http: "POST /audit", parameterTypes: [java.lang.String], returns: void }
          makeUser: { http: "POST /make", parameterTypes: [long, java.lang.String], returns: com.example.User }
      - interface: com.example.Echo
        methods:
          echo: { http: "POST /echo", parameterTypes: [java.lang.String], returns: java.lang.String }
    classes:${USER_CLASSES}
`;
/** The app behind the Dubbo port: the users of the README's answers. */
async function startUsersApp(): Promise<TestUpstream> {
  return startUpstream(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    const send = (value: unknown) => json(res, 200, value);
    const id = /^\/users\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (id)
      return send({
        id: Number(id),
        name: `user-${id}`,
        birthday: '1990-05-17T00:00:00.000Z',
        balance: '1234.56',
        tags: ['a', 'b'],
        color: 'GREEN',
      });
    if (req.url === '/users') return send(JSON.parse(body));
    if (req.url === '/audit') return send(null);
    if (req.url === '/echo') return send((JSON.parse(body) as [string])[0]);
    if (req.url === '/orders/7') return send({ id: 7, items: 2 });
    if (req.url === '/make') {
      const [makeId, name] = JSON.parse(body) as [string, string];
      return send({ id: makeId, name, tags: [], color: 'BLUE' });
    }
    return json(res, 404, { message: `no ${req.url}` });
  });
}
/** How the README's configs name those peers (the batch answer shows the endpoint). */
const README_ADDRESSES = { calc: 'http://10.0.0.5:8080/rpc' };
const PROTOS = {
  'greeter.proto': `syntax = "proto3";
package helloworld;
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc ListGreetings (ListRequest) returns (stream HelloReply);
}
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
message ListRequest { int32 n = 1; }
`,
  'ticker.proto': `syntax = "proto3";
package ticker;
import "google/protobuf/timestamp.proto";
service Ticker { rpc Ticks (TicksRequest) returns (stream Tick); }
message TicksRequest { int32 n = 1; }
message Tick { int32 seq = 1; google.protobuf.Timestamp at = 2; }
`,
};

interface Target {
  port: number;
  adminPort?: number;
  peers: Record<string, string>;
}
/** Started on first use and shared by every block of that kind; a failing start fails only those blocks. */
const targets: Record<string, () => Promise<Target>> = { demo: once(startDemo), peers: once(startPeers) };
const cleanups: (() => Promise<unknown>)[] = [];
const shellBlocks = ofKind('shell');
let shimDir = '';

before(async () => {
  if (shellBlocks.length === 0) return;
  shimDir = await mkdtemp(join(tmpdir(), 'ferry-readme-bin-'));
  cleanups.push(() => rm(shimDir, { recursive: true, force: true }));
  await writeFile(join(shimDir, 'curl'), `#!/bin/sh\nexec ${await which('curl')} --fail-with-body "$@"\n`, { mode: 0o755 });
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startDemo(): Promise<Target> {
  // `npm start` is the pretest's build followed by this: the sidecar with no config, i.e. the embedded demo.
  const demo = await spawnFerry(['--port', String(await freePort()), '--admin-port', String(await freePort())], { FERRY_CONFIG: '' });
  cleanups.push(() => stop(demo));
  return { port: demo.port, ...(demo.adminPort ? { adminPort: demo.adminPort } : {}), peers: {} };
}

function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}

async function startPeers(): Promise<Target> {
  const rpc = new jayson.Server({
    add: (args: unknown, cb: Callback) =>
      cb(null, Array.isArray(args) ? (args as number[]).reduce((a, b) => a + b, 0) : (args as { a: number }).a + (args as { b: number }).b),
    record: (_args: unknown, cb: Callback) => cb(null, true),
    log: (_args: unknown, cb: Callback) => cb(null, true),
  }).http();
  await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => rpc.close(resolve)));

  const dir = await mkdtemp(join(tmpdir(), 'ferry-readme-peers-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'protos'));
  for (const [name, text] of Object.entries(PROTOS)) await writeFile(join(dir, 'protos', name), text);
  const grpcServer = new grpc.Server();
  const load = (name: string) =>
    grpc.loadPackageDefinition(protoLoader.loadSync(join(dir, 'protos', name))) as Record<
      string,
      Record<string, { service: grpc.ServiceDefinition }>
    >;
  grpcServer.addService(load('greeter.proto').helloworld!.Greeter!.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { message: `Hello ${call.request.name}` }),
    ListGreetings(call: grpc.ServerWritableStream<{ n: number }, unknown>) {
      for (let i = 0; i < call.request.n; i++) call.write({ message: `Hello #${i}` });
      call.end();
    },
  });
  grpcServer.addService(load('ticker.proto').ticker!.Ticker!.service, {
    Ticks(call: grpc.ServerWritableStream<{ n: number }, unknown>) {
      for (let seq = 0; seq < call.request.n; seq++) call.write({ seq, at: { seconds: 1700000000 + seq, nanos: 0 } });
      call.end();
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanups.push(() => new Promise((resolve) => grpcServer.tryShutdown(resolve)));

  const zk = await startZooKeeper();
  cleanups.push(() => zk.stop());
  const app = await startUsersApp();
  cleanups.push(() => app.close());

  const calc = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}/rpc`;
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  await writeFile(
    join(dir, 'ferry.yaml'),
    PEERS_CONFIG({ calc, greeter: grpcAddress, ticker: grpcAddress, zk: zk.address, app: app.url, dubboPort: await freePort() }),
  );
  const ferry = await spawnFerry([
    '--config',
    join(dir, 'ferry.yaml'),
    '--port',
    String(await freePort()),
    '--admin-port',
    String(await freePort()),
  ]);
  cleanups.push(() => stop(ferry));
  // The provider is this ferry itself: wait until its consumer side has seen its own registration.
  await waitForDubboUrls(zk.address, 'com.example.UserService');
  let last = '';
  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${ferry.port}/v1/invoke/users/getUser`, { method: 'POST', body: '[1]' });
    last = `${res.status} ${await res.text()}`;
    return res.status === 200;
  }, 10000).catch(() => assert.fail(`users.getUser through ZooKeeper never answered: ${last}\n${ferry.output()}`));
  return { port: ferry.port, ...(ferry.adminPort ? { adminPort: ferry.adminPort } : {}), peers: { [calc]: README_ADDRESSES.calc } };
}

for (const b of shellBlocks) {
  const peers = b.args === 'demo' ? "npm start's demo sidecar" : 'the protocol peers';
  test(`README.md:${b.line}: the commands answer as shown (${peers})`, async () => {
    assert.ok(targets[b.args], `README.md:${b.line}: \`shell ${b.args}\`: no such target (demo or peers)`);
    const target = await targets[b.args]!();
    const steps = splitShell(b.text);
    for (const { command, expected } of steps) {
      let rewritten = command.replaceAll(':4140', `:${target.port}`);
      if (target.adminPort) rewritten = rewritten.replaceAll(':4141', `:${target.adminPort}`);
      const out = await run('bash', ['-c', rewritten], REPO, { FERRY_ADMIN__TOKEN: '', PATH: `${shimDir}:${process.env.PATH}` });
      assert.equal(out.code, 0, `README.md:${b.line}: ${command} exited with ${out.code}: ${out.stdout}${out.stderr}`);
      let answer = out.stdout;
      for (const [actual, shown] of Object.entries(target.peers)) answer = answer.replaceAll(actual, shown);
      if (expected.length > 0) assertOutput(answer, expected, `README.md:${b.line}: ${command}`);
      const next = blocks[blocks.indexOf(b) + 1];
      if (steps.length === 1 && expected.length === 0 && next?.kind === 'output') {
        assert.deepEqual(JSON.parse(answer), JSON.parse(next.text), `README.md:${next.line}: the answer of README.md:${b.line} differs`);
      }
    }
  });
}

/** Commands (a command goes on while a quote is open) and their expected output. */
function splitShell(text: string): { command: string; expected: string[] }[] {
  const steps: { command: string; expected: string[] }[] = [];
  let open = false;
  for (const line of text.split('\n')) {
    if (open) {
      steps.at(-1)!.command += `\n${line}`;
    } else if (line.startsWith('#')) {
      const answer = line.replace(/^# ?/, '');
      const step = steps.at(-1);
      if (step && /^([{["\d]|HTTP\/)/.test(answer)) step.expected.push(answer);
      continue;
    } else if (line.trim() === '') {
      continue;
    } else {
      const arrow = /#\s*→\s*(.+)$/.exec(line);
      steps.push({ command: line, expected: arrow ? [arrow[1]!.trim()] : [] });
    }
    open = (steps.at(-1)!.command.split("'").length - 1) % 2 === 1;
  }
  return steps;
}

async function stop(ferry: FerryProcess): Promise<void> {
  ferry.child.kill('SIGTERM');
  await ferry.exited;
}

async function which(cmd: string): Promise<string> {
  const out = await run('sh', ['-c', `command -v ${cmd}`], REPO);
  assert.equal(out.code, 0, `${cmd} is not installed`);
  return out.stdout.trim();
}

// ------------------------------------------------------------------------------------------------------- ts

for (const b of ofKind('ts').filter((t) => t.args === 'peers')) {
  test(`README.md:${b.line}: the SDK example runs against the protocol peers`, async (t) => {
    const target = await targets.peers!();
    // Next to the repo's node_modules, so that `@ferry/sdk` resolves as it does for an app that installed it.
    const file = join(REPO, 'sidecar', 'dist', `readme-${b.line}-${process.pid}.mjs`);
    await writeFile(
      file,
      ts.transpileModule(b.text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText,
    );
    try {
      const out = await run(process.execPath, [file], REPO, { FERRY_URL: `http://127.0.0.1:${target.port}` });
      assert.equal(out.code, 0, `README.md:${b.line}: the example failed:\n${out.stdout}${out.stderr}`);
      t.diagnostic(`it printed: ${out.stdout.trim().replaceAll('\n', ' | ')}`);
    } finally {
      await rm(file, { force: true });
    }
  });
}

/** What a `ts parts` snippet assumes around it, by its heading's first word. */
const PRELUDES: Record<string, string> = {
  express: `import express from 'express';\nconst app = express();\n`,
  koa: `import Koa from 'koa';\nconst app = new Koa();\n`,
  fastify: `import Fastify from 'fastify';\nconst app = Fastify();\n`,
  // @nestjs/common is not a dependency here: its two interfaces, as Nest declares them.
  nestjs: `interface MiddlewareConsumer { apply(...middleware: unknown[]): { forRoutes(...routes: string[]): MiddlewareConsumer } }` +
    `\ninterface NestModule { configure(consumer: MiddlewareConsumer): void }\n`,
  then: `import { FerryClient } from '@ferry/sdk';\nconst ferry = new FerryClient();\n`,
};

test('README TypeScript examples compile (strict) against the SDK', { skip: ofKind('ts').length === 0 }, () => {
  const files = new Map<string, string>();
  for (const b of ofKind('ts')) {
    if (b.args !== 'parts') {
      files.set(join(REPO, 'sidecar', `readme-${b.line}.mts`), `${b.text}\nexport {};\n`);
      continue;
    }
    let part: { line: number; text: string } | undefined;
    const flush = () => {
      if (!part) return;
      const heading = /^\/\/ ?(\w+)/.exec(part.text)?.[1]?.toLowerCase() ?? '';
      files.set(join(REPO, 'sidecar', `readme-${part.line}.mts`), `${PRELUDES[heading] ?? ''}${part.text}\nexport {};\n`);
    };
    b.text.split('\n').forEach((line, i) => {
      if (/^\/\/ /.test(line) && (i === 0 || b.text.split('\n')[i - 1]!.trim() === '')) {
        flush();
        part = { line: b.line + 1 + i, text: '' };
      }
      if (part) part.text += `${line}\n`;
    });
    flush();
  }
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile: read } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? read.call(host, f);
  host.getSourceFile = (f, lang, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.replace(join(REPO, 'sidecar', 'readme-'), 'README.md example at line ')}:` +
        `${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(problems, []);
});

// ----------------------------------------------------------------------------------------------------- java

/** The application types the Java fragments name (what the service's interface jar would hold). */
const JAVA_STUBS: Record<string, string> = {
  'com/example/User.java':
    'package com.example;\npublic class User implements java.io.Serializable { public long id; public String name; }\n',
  'com/example/UserService.java':
    'package com.example;\npublic interface UserService { User getUser(long id); User saveUser(User user); }\n',
};

for (const b of ofKind('java')) {
  test(`README.md:${b.line}: the Java example compiles against Apache Dubbo 3.3`, async () => {
    const { jar33 } = await ensureJavaPeers();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-readme-java-'));
    try {
      for (const [path, text] of Object.entries(JAVA_STUBS)) {
        await mkdir(join(dir, dirname(path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const imports = [
        'org.apache.dubbo.config.*',
        'org.apache.dubbo.config.bootstrap.DubboBootstrap',
        'org.apache.dubbo.rpc.service.GenericService',
        'com.example.*',
      ];
      await writeFile(
        join(dir, 'Example.java'),
        `${imports.map((i) => `import ${i};`).join('\n')}\ninterface Log { void warn(String message); }\n` +
          `class Example {\n  static void run(Log log, User bad) throws Exception {\n${b.text}\n  }\n}\n`,
      );
      const out = await run(
        'javac',
        ['-proc:none', '-cp', jar33, '-d', join(dir, 'classes'), '-sourcepath', dir, join(dir, 'Example.java')],
        dir,
      );
      assert.equal(out.code, 0, `README.md:${b.line}: javac (line numbers in Example.java = README line - ${b.line - 4}):\n${out.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

// -------------------------------------------------------------------------------------------------- helpers

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `…` in an expected line stands for anything. */
function assertOutput(actual: string, expected: string[], what: string): void {
  const want = expected.join('\n').trim();
  const pattern = new RegExp(`^${want.split('…').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
  assert.match(actual.trim(), pattern, `${what}\nexpected:\n${want}\nactual:\n${actual.trim()}`);
}
