/**
 * The production bundle (tools/bundle/bundle.sh, what the Dockerfile puts in the image) is self-contained:
 * made into a folder outside the repository, started from there, it answers /readyz, both as the sidecar and
 * as `ferry injector`, from its single-file build (sidecar/dist/bundle/main.js, the image's entry point, with its
 * code cache) and from the compiled files; it holds no dev dependency and no link out of itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstatSync, readdirSync, readlinkSync, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../harness/java.js';
import { createCa, servingCert } from '../harness/k8s.js';

function links(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) out.push(p);
    else if (entry.isDirectory()) links(p, out);
  }
  return out;
}

async function readyOnce(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logLine: string,
  more?: (adminUrl: string, apiUrl: string) => Promise<void>,
): Promise<{ adminPort: number; out: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  try {
    const until = Date.now() + 20_000;
    let line: string | undefined;
    while (!(line = out.split('\n').find((l) => l.includes(logLine)))) {
      assert.ok(Date.now() < until && child.exitCode === null, `no "${logLine}" from the bundle:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { adminPort, port } = JSON.parse(line) as { adminPort: number; port: number };
    const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    assert.equal(res.status, 200, await res.text());
    await more?.(`http://127.0.0.1:${adminPort}`, `http://127.0.0.1:${port}`);
    return { adminPort, out };
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `the bundle stops cleanly on SIGTERM:\n${out}`);
  }
}

test('the production bundle starts from a folder outside the repository and answers /readyz', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bundle-'));
  try {
    const out = join(dir, 'ferry');
    const made = spawnSync('bash', [join(REPO_ROOT, 'tools', 'bundle', 'bundle.sh'), out, '--tar'], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(made.status, 0, `${made.stdout}${made.stderr}`);
    assert.ok(!relative(REPO_ROOT, out).match(/^[^.]/), 'made outside the repository');
    assert.ok(existsSync(`${out}.tgz`));

    for (const dev of ['typescript', 'express', 'koa', 'jayson', '@types/express'])
      assert.ok(!existsSync(join(out, 'node_modules', dev)), `no dev dependency ${dev}`);
    assert.ok(!existsSync(join(out, 'sidecar', 'dist', 'test')), 'no tests');
    for (const link of links(out)) {
      const target = resolve(dirname(link), readlinkSync(link));
      assert.ok(target.startsWith(`${out}/`), `${link} points outside the bundle: ${target}`);
      assert.ok(lstatSync(target), `${link} resolves`);
    }

    const main = join(out, 'sidecar', 'dist', 'bundle', 'main.js');
    const unbundled = join(out, 'sidecar', 'dist', 'src', 'main.js');
    for (const entry of [main, unbundled]) {
      const version = spawnSync(process.execPath, [entry, '--version'], { cwd: dir, encoding: 'utf8' });
      assert.equal(version.stdout.trim(), '0.1.0', `${entry}: ${version.stderr}`);
    }
    // what the bundle leaves to node_modules (fastify's on-first-use packages, semver) is found from its folder
    const firstUse = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createRequire } from 'node:module'; const require = createRequire(process.argv[1]);" +
          "require('@fastify/ajv-compiler'); require('@fastify/fast-json-stringify-compiler'); require('light-my-request');" +
          "if (!require('semver').satisfies('5.1.0', '5.x')) process.exit(3);",
        main,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(firstUse.status, 0, firstUse.stderr);
    await readyOnce([unbundled, '--no-config', '--port', '0', '--admin-port', '0'], dir, {}, '"ferry listening"');
    const { adminPort, out: started } = await readyOnce(
      [main, '--no-config', '--port', '0', '--admin-port', '0'],
      dir,
      { NODE_DEBUG: 'ferry-bundle' },
      '"ferry listening"',
      async (admin) => {
        const page = await fetch(`${admin}/console/`);
        assert.equal(page.status, 200, 'the console pages are in the bundle');
        assert.match(await page.text(), /<html/i);
      },
    );
    assert.ok(adminPort > 0);
    assert.match(started, /code cache used/, 'the bundle compiles with the code cache bundle.sh made');
    // with source maps on, Node loads the script as a module (it maps the stack traces of modules only)
    const sourceMaps = { NODE_OPTIONS: '--enable-source-maps', NODE_DEBUG: 'ferry-bundle' };
    const mapped = await readyOnce([main, '--no-config', '--port', '0', '--admin-port', '0'], dir, sourceMaps, '"ferry listening"');
    assert.doesNotMatch(mapped.out, /code cache/);
    // the HTTP client (undici, bundled): a pass-through GET and POST reach an upstream and come back
    const upstream = createServer((req, res) => req.pipe(res));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const proxied = join(dir, 'proxied.yaml');
    const upstreamPort = (upstream.address() as AddressInfo).port;
    await writeFile(proxied, `services:\n  up: { protocol: http, endpoints: ["http://127.0.0.1:${upstreamPort}"] }\n`);
    try {
      const args = [main, '--config', proxied, '--port', '0', '--admin-port', '0'];
      await readyOnce(args, dir, {}, '"ferry listening"', async (_admin, api) => {
        assert.equal((await fetch(`${api}/v1/proxy/up/x`)).status, 200);
        const echoed = await fetch(`${api}/v1/proxy/up/x`, { method: 'POST', body: 'through the bundle' });
        assert.equal(await echoed.text(), 'through the bundle');
      });
    } finally {
      upstream.close();
    }
    // the lazily imported parts start from the bundle too: each trace exporter, and a protocol stack
    for (const exporter of ['zipkin', 'otlp']) {
      const file = join(dir, `tracing-${exporter}.yaml`);
      await writeFile(
        file,
        `tracing: { enabled: true, sampleRatio: 1, exporter: ${exporter}, endpoint: "http://127.0.0.1:9/spans" }\n` +
          `services:\n  rpc: { protocol: jsonrpc, endpoints: ["http://127.0.0.1:9/rpc"] }\n`,
      );
      await readyOnce([main, '--config', file, '--port', '0', '--admin-port', '0'], dir, {}, '"ferry listening"');
    }

    await createCa(dir);
    const tls = await servingCert(dir, 'injector');
    await writeFile(
      join(dir, 'injector.yaml'),
      `listen: { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\n` +
        `tls: { certFile: ${tls.certFile}, keyFile: ${tls.keyFile} }\nshutdown: { delayMs: 0 }\n`,
    );
    await readyOnce([main, 'injector', '--config', join(dir, 'injector.yaml')], dir, {}, '"ferry injector listening"');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
