package com.example.ferry.util;

/**
 * Bounds JVM shutdown. Dubbo 3.3.6 (netty 4.2.2) was seen hanging forever in its shutdown hook
 * (NettyServer.closeBootstrap waiting on a close future after the event loops had terminated) after a SIGTERM that
 * followed heavy concurrent traffic. Unregistration from ZooKeeper happens before that point, so halting after a
 * grace period loses nothing. The hook only starts a daemon timer thread and returns: a clean shutdown is not delayed.
 */
public final class ExitWatchdog {
    private ExitWatchdog() {
    }

    /** From now on, halt with haltCode after graceMs unless the JVM has exited by then (daemon timer). */
    public static void arm(long graceMs, int haltCode) {
        if (graceMs <= 0) return;
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(graceMs);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("ferry: exit did not finish within " + graceMs + " ms, halting with " + haltCode);
            Runtime.getRuntime().halt(haltCode);
        }, "ferry-exit-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** Arms the watchdog when the JVM starts shutting down (SIGTERM, System.exit). */
    public static void install(long graceMs, int haltCode) {
        if (graceMs <= 0) return;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(graceMs);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.println("ferry: shutdown did not finish within " + graceMs + " ms, halting");
                Runtime.getRuntime().halt(haltCode);
            }, "ferry-exit-watchdog");
            t.setDaemon(true);
            t.start();
        }, "ferry-exit-watchdog-hook"));
    }
}
