package com.example.ferry.provider;

import com.example.ferry.api.GreetingService;
import com.example.ferry.api.IdlGreeter;
import com.example.ferry.api.NodeAppService;
import com.example.ferry.api.TypeMatrixService;
import com.example.ferry.util.Args;
import com.example.ferry.util.ExitWatchdog;
import com.example.ferry.util.LocalHost;
import com.example.ferry.util.Out;
import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Java Dubbo provider for Ferry tests and examples.
 *
 * <pre>
 * java -Xmx256m -jar ferry-dubbo-peers-3.3.jar provider --zk zookeeper://127.0.0.1:2181 --port 20880 --name p1
 * options (env var fallbacks in brackets):
 *   --zk URL                 registry address [FERRY_ZK], default zookeeper://127.0.0.1:2181; "N/A" = no registry;
 *                            nacos://h:p registers in Nacos through the Nacos Java client (--registry is an alias)
 *   --protocol P             dubbo | tri, default dubbo; tri also exports the protobuf-typed IdlGreeter
 *   --port N                 dubbo port [FERRY_DUBBO_PORT], default 20880
 *   --name NAME              instance name returned by whoami() [FERRY_NAME], default provider-PORT
 *   --app NAME               application name, default ferry-java-provider
 *   --host IP                address to register, default 127.0.0.1. Dubbo treats every 127.x address as an
 *                            "invalid local host" (NetUtils.isInvalidLocalHost: protocol host, DUBBO_IP_TO_BIND and
 *                            DUBBO_IP_TO_REGISTRY all reject it) and registers the first non-loopback interface
 *                            address instead. For 127.x see util.LocalHost; the server then binds 0.0.0.0.
 *   --register-mode M        interface | instance | all (Dubbo default: all), default all
 *   --metadata-center B      use the ZooKeeper registry as metadata center (needed by register-mode all/instance for
 *                            /dubbo/mapping + app-level metadata), default: true unless register-mode=interface
 *   --serialization S        protocol serialization, default hessian2; "default" = leave Dubbo's default
 *   --prefer-serialization S protocol prefer.serialization (unset = Dubbo's default)
 *   --token T                service token (TokenFilter), e.g. "secret" or "true"
 *   --weight N               service weight
 *   --threads N              dubbo server thread pool size (Dubbo default 200)
 *   --timeout MS             provider-side default timeout published in the URL
 *   --shutdown-wait MS       graceful shutdown wait (dubbo.service.shutdown.wait; Dubbo default 10000, which makes
 *                            SIGTERM take ~5 s once a consumer has connected), default 1000
 *   --zk-session MS          ZooKeeper session timeout (Dubbo default 60000; the server caps it at 20 x tickTime)
 *   --node-app-stub          also export a Java stand-in for NodeAppService (consumer self-tests only)
 *   --exit-watchdog MS       halt the JVM if shutdown takes longer than this (see util.ExitWatchdog), default 10000
 *   --no-greeting            do not export the 4 GreetingService variants
 *   --param k=v              extra protocol parameter (repeatable)
 * </pre>
 * Prints "FERRY_PROVIDER_READY port=PORT name=NAME dubbo=VERSION" once everything is exported and registered,
 * then blocks until the JVM is stopped (SIGTERM = graceful: unregisters from ZooKeeper).
 */
public final class ProviderMain {
    private ProviderMain() {
    }

    public static void main(String[] argv) throws Exception {
        long t0 = System.nanoTime();
        Args a = Args.parse(argv);
        String zk = a.get("registry", a.get("zk", Args.env("FERRY_ZK", "zookeeper://127.0.0.1:2181")));
        int port = a.getInt("port", Integer.parseInt(Args.env("FERRY_DUBBO_PORT", "20880")));
        String name = a.get("name", Args.env("FERRY_NAME", "provider-" + port));
        String host = a.get("host", "127.0.0.1");
        if (host.startsWith("127.")) LocalHost.useLoopback(host);
        System.setProperty("dubbo.service.shutdown.wait", a.get("shutdown-wait", "1000"));
        ExitWatchdog.install(a.getLong("exit-watchdog", 10000), 143);
        String registerMode = a.get("register-mode", "all");

        ApplicationConfig app = new ApplicationConfig(a.get("app", "ferry-java-provider"));
        app.setQosEnable(false);
        app.setLogger("slf4j");
        app.setRegisterMode(registerMode);
        app.setEnableFileCache(false);

        RegistryConfig registry = new RegistryConfig(zk);
        registry.setUseAsConfigCenter(false);
        if (a.has("zk-session")) registry.setSession(a.getInt("zk-session", 60000));
        boolean noRegistry = "N/A".equalsIgnoreCase(zk);
        registry.setUseAsMetadataCenter(!noRegistry && a.getBool("metadata-center", !"interface".equals(registerMode)));

        String protocolName = a.get("protocol", "dubbo");
        ProtocolConfig protocol = new ProtocolConfig(protocolName, port);
        if (!host.startsWith("127.")) protocol.setHost(host);
        String serialization = a.get("serialization", "hessian2");
        if (!"default".equals(serialization)) protocol.setSerialization(serialization);
        if (a.has("prefer-serialization")) protocol.setPreferSerialization(a.get("prefer-serialization", null));
        if (a.has("threads")) protocol.setThreads(a.getInt("threads", 200));
        Map<String, String> params = new HashMap<>();
        for (String kv : a.all("param")) {
            int eq = kv.indexOf('=');
            if (eq > 0) params.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (!params.isEmpty()) protocol.setParameters(params);

        List<ServiceConfig<?>> services = new ArrayList<>();
        ServiceConfig<TypeMatrixService> matrix = new ServiceConfig<>();
        matrix.setInterface(TypeMatrixService.class);
        matrix.setRef(new TypeMatrixServiceImpl(name, port));
        matrix.setVersion("1.0.0");
        applyCommon(matrix, a);
        services.add(matrix);

        if (a.has("node-app-stub")) {
            ServiceConfig<NodeAppService> stub = new ServiceConfig<>();
            stub.setInterface(NodeAppService.class);
            stub.setRef(new NodeAppServiceStub(name));
            if (a.has("node-app-version")) stub.setVersion(a.get("node-app-version", null));
            applyCommon(stub, a);
            services.add(stub);
        }

        if ("tri".equals(protocolName)) {
            ServiceConfig<IdlGreeter> idl = new ServiceConfig<>();
            idl.setInterface(IdlGreeter.class);
            idl.setRef(new IdlGreeterImpl(name));
            services.add(idl);
        }

        if (!a.has("no-greeting")) {
            for (String version : new String[] {"1.0.0", "2.0.0"}) {
                for (String group : new String[] {"blue", "green"}) {
                    ServiceConfig<GreetingService> g = new ServiceConfig<>();
                    g.setInterface(GreetingService.class);
                    g.setRef(new GreetingServiceImpl(group, version));
                    g.setVersion(version);
                    g.setGroup(group);
                    applyCommon(g, a);
                    services.add(g);
                }
            }
        }

        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(app)
                .registry(registry)
                .protocol(protocol);
        for (ServiceConfig<?> s : services) bootstrap.service(s);
        bootstrap.start();

        long ms = (System.nanoTime() - t0) / 1_000_000;
        Out.line("FERRY_PROVIDER_READY port=" + port + " name=" + name + " dubbo=" + Version.getVersion()
                + " startupMs=" + ms);
        new CountDownLatch(1).await();
    }

    private static void applyCommon(ServiceConfig<?> s, Args a) {
        if (a.has("token")) s.setToken(a.get("token", "true"));
        if (a.has("weight")) s.setWeight(a.getInt("weight", 100));
        if (a.has("timeout")) s.setTimeout(a.getInt("timeout", 1000));
    }
}
