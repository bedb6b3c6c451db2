/**
 * Free loopback TCP ports for test servers (ZooKeeper, Java Dubbo providers, capture proxies ...).
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/**
 * A TCP port that is free right now. The port is probed on 0.0.0.0 (Java Dubbo providers bind the wildcard address,
 * see examples/dubbo-java/README.md) and never handed out twice by this process. It is drawn below the kernel's
 * ephemeral range: a port from that range (what `listen(0)` returns) can be taken as the source port of some other
 * outgoing connection between this probe and the moment the test server binds it (EADDRINUSE under load).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = PORT_FLOOR + Math.floor(Math.random() * (PORT_CEILING - PORT_FLOOR));
    if (handedOut.has(candidate)) continue;
    if (await canBind(candidate)) {
      handedOut.add(candidate);
      return candidate;
    }
  }
  throw new Error('freePort: could not find a free port');
}

const PORT_FLOOR = 20000;
const PORT_CEILING = 32000;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Resolves true when something accepts TCP connections on host:port. */
export async function isListening(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
