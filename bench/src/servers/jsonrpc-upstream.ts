import jayson from 'jayson';

/** The JSON-RPC 2.0 baseline: a jayson HTTP server with `add` and `echo`. Run as its own process. */
const port = Number(process.argv[2] ?? 0);
const server = new jayson.Server({
  add(args: unknown, cb: (error: unknown, result?: unknown) => void) {
    cb(null, (args as number[]).reduce((a, b) => a + b, 0));
  },
  echo(args: unknown, cb: (error: unknown, result?: unknown) => void) {
    cb(null, args);
  },
});
server.http().listen(port, '127.0.0.1');
