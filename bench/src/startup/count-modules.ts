/**
 * Loaded into a Ferry process with `--import` by the start-up bench: records every module file the process
 * loads (ES imports through a module hook, CommonJS requires through `Module.prototype._compile`); on SIGUSR2 it
 * writes the sorted list to `FERRY_BENCH_MODULES_FILE`, one path a line.
 */
import { writeFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const out = process.env.FERRY_BENCH_MODULES_FILE;
if (out) {
  const files = new Set<string>();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => files.add(fileURLToPath(url)));
  port1.unref();
  register('./module-hooks.js', import.meta.url, { data: { port: port2 }, transferList: [port2] });
  type Compile = (this: unknown, content: string, filename: string) => unknown;
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  proto._compile = function (content, filename) {
    files.add(filename);
    return compile.call(this, content, filename);
  };
  process.on('SIGUSR2', () => writeFileSync(out, `${[...files].sort().join('\n')}\n`));
}
