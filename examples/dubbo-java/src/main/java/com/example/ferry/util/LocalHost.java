package com.example.ferry.util;

import java.lang.reflect.Field;
import java.net.InetAddress;

/**
 * Makes Dubbo register 127.0.0.1 (or another loopback address) as its own address.
 *
 * Dubbo treats every 127.x address as an "invalid local host" (NetUtils.isInvalidLocalHost): ProtocolConfig.host,
 * DUBBO_IP_TO_BIND and DUBBO_IP_TO_REGISTRY all reject it (the latter two with IllegalArgumentException), and it
 * registers the first non-loopback interface address instead (on the CI machine: 192.0.2.2 of eth0). Tests want
 * 127.0.0.1 in ZooKeeper, so we pre-seed NetUtils' address cache (private static fields HOST_ADDRESS/LOCAL_ADDRESS,
 * identical in Dubbo 3.2 and 3.3). The server still binds 0.0.0.0 (Dubbo's anyhost behaviour).
 * Fallback if the fields are not found: dubbo.network.interface.ignored=.* (works, but NetUtils then rescans the
 * interfaces and logs a warning on every lookup).
 */
public final class LocalHost {
    private LocalHost() {
    }

    public static void useLoopback(String host) {
        try {
            Class<?> netUtils = Class.forName("org.apache.dubbo.common.utils.NetUtils");
            Field ha = netUtils.getDeclaredField("HOST_ADDRESS");
            Field la = netUtils.getDeclaredField("LOCAL_ADDRESS");
            ha.setAccessible(true);
            la.setAccessible(true);
            la.set(null, InetAddress.getByName(host));
            ha.set(null, host);
        } catch (Throwable t) {
            System.err.println("ferry: cannot pre-seed Dubbo NetUtils (" + t + "), using dubbo.network.interface.ignored=.*");
            System.setProperty("dubbo.network.interface.ignored", ".*");
        }
    }
}
