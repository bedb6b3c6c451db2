package com.example.ferry.consumer;

import com.example.ferry.api.Color;
import com.example.ferry.api.GreetingService;
import com.example.ferry.api.NodeAppService;
import com.example.ferry.api.TypeMatrixService;
import com.example.ferry.api.User;
import com.example.ferry.provider.SampleData;
import com.example.ferry.util.Args;
import com.example.ferry.util.ExitWatchdog;
import com.example.ferry.util.Json;
import com.example.ferry.util.LocalHost;
import com.example.ferry.util.Out;
import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ModuleConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.RpcContext;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.service.GenericException;
import org.apache.dubbo.rpc.service.GenericService;

import java.lang.reflect.InvocationTargetException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java Dubbo consumer driven by Node tests: arguments in, JSON lines out, exit code.
 * See README.md ("Consumer CLI") for the full contract. Usage:
 * <pre>
 * java -jar ferry-dubbo-peers-3.3.jar consumer MODE [options]
 * MODE: typed | generic | concurrent N | bench | matrix | greet | whoami | attachments
 * target: --zk zookeeper://127.0.0.1:2181 or nacos://127.0.0.1:8848 (registry; --registry is an alias)
 *         or --url dubbo://127.0.0.1:20880 (direct)
 * --provided-by APP: the provider application (app-level discovery without the mapping); --metadata-center B
 * </pre>
 * Exit codes: 0 = ran to completion (individual calls may still report ok:false, that is data);
 * 1 = setup failed (e.g. no provider) or a self-verifying mode (concurrent/whoami) found wrong answers; 2 = usage.
 */
public final class ConsumerMain {
    private static final String NODE_IFACE = NodeAppService.class.getName();
    private static final String MATRIX_IFACE = TypeMatrixService.class.getName();
    private static final String USER_CLASS = User.class.getName();

    private final Args a;
    private final Map<String, String> attachments = new LinkedHashMap<>();

    private ConsumerMain(Args a) {
        this.a = a;
        // -Dattach.key=value system properties ...
        for (String p : System.getProperties().stringPropertyNames()) {
            if (p.startsWith("attach.")) attachments.put(p.substring("attach.".length()), System.getProperty(p));
        }
        // ... and --attach key=value (repeatable)
        for (String kv : a.all("attach")) {
            int eq = kv.indexOf('=');
            if (eq > 0) attachments.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
    }

    public static void main(String[] argv) {
        Args a = Args.parse(argv);
        String mode = a.pos(0, null);
        if (mode == null) {
            System.err.println("usage: consumer typed|generic|concurrent N|bench|matrix|greet|whoami|attachments [--zk URL|--url dubbo://h:p] ...");
            System.exit(2);
        }
        int code;
        try {
            code = new ConsumerMain(a).run(mode);
            // --linger MS: keep the connection open (idle) before exiting, e.g. to observe heartbeats
            long linger = a.getLong("linger", 0);
            if (linger > 0) Thread.sleep(linger);
        } catch (Throwable t) {
            Throwable root = rootCause(t);
            Out.json(Json.obj("mode", mode, "fatal", true, "exception", root.getClass().getName(),
                    "message", root.getMessage()));
            t.printStackTrace();
            code = 1;
        }
        System.out.flush();
        // DubboBootstrap shutdown hooks unregister the consumer from ZooKeeper; never let them hang the exit
        ExitWatchdog.arm(a.getLong("exit-watchdog", 10000), code);
        System.exit(code);
    }

    private int run(String mode) throws Exception {
        switch (mode) {
            case "typed": return typed();
            case "generic": return generic();
            case "concurrent": return concurrent(Integer.parseInt(a.pos(1, a.get("n", "100"))));
            case "bench": return bench();
            case "matrix": return matrix();
            case "greet": return greet();
            case "whoami": return whoami();
            case "attachments": return attachmentsMode();
            case "fidelity": return FidelityConsumer.run(a);
            default:
                System.err.println("unknown mode " + mode);
                return 2;
        }
    }

    // ------------------------------------------------------------------------------------------------ setup

    private ApplicationConfig application() {
        // deterministic consumer:// URL host: Dubbo skips 127.x when guessing the local address (see ProviderMain)
        if (a.get("host", "127.0.0.1").startsWith("127.")) LocalHost.useLoopback(a.get("host", "127.0.0.1"));
        System.setProperty("dubbo.service.shutdown.wait", a.get("shutdown-wait", "500"));
        ApplicationConfig app = new ApplicationConfig(a.get("app", "ferry-java-consumer"));
        app.setQosEnable(false);
        app.setLogger("slf4j");
        app.setEnableFileCache(false);
        if (a.has("migration")) {
            // FORCE_INTERFACE | APPLICATION_FIRST | FORCE_APPLICATION
            System.setProperty("dubbo.application.service-discovery.migration", a.get("migration", "APPLICATION_FIRST"));
        }
        return app;
    }

    private <T> ReferenceConfig<T> reference(String iface, String defaultVersion) {
        ReferenceConfig<T> ref = new ReferenceConfig<>();
        ref.setInterface(iface);
        String version = a.get("version", defaultVersion);
        if (version != null && !version.isEmpty()) ref.setVersion(version);
        if (a.has("group")) ref.setGroup(a.get("group", null));
        ref.setTimeout(a.getInt("timeout", 5000));
        ref.setRetries(a.getInt("retries", 0));
        ref.setCheck(a.getBool("check", true));
        if (a.has("connections")) ref.setConnections(a.getInt("connections", 1));
        if (a.has("loadbalance")) ref.setLoadbalance(a.get("loadbalance", "random"));
        if (a.has("cluster")) ref.setCluster(a.get("cluster", "failover"));
        if (a.has("url")) ref.setUrl(a.get("url", null));
        // application-level discovery without the interface -> application mapping (Dubbo's providedBy)
        if (a.has("provided-by")) ref.setProvidedBy(a.get("provided-by", null));
        Map<String, String> params = new HashMap<>();
        if (a.has("serialization")) params.put("serialization", a.get("serialization", "hessian2"));
        if (a.has("heartbeat")) params.put("heartbeat", a.get("heartbeat", "60000"));
        for (String kv : a.all("param")) {
            int eq = kv.indexOf('=');
            if (eq > 0) params.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (!params.isEmpty()) ref.setParameters(params);
        return ref;
    }

    private <T> T start(ReferenceConfig<T> ref) {
        RegistryConfig registry = new RegistryConfig(a.has("url") && !a.has("zk") ? "N/A"
                : a.get("registry", a.get("zk", Args.env("FERRY_ZK", "zookeeper://127.0.0.1:2181"))));
        registry.setUseAsConfigCenter(false);
        if (a.has("zk-session")) registry.setSession(a.getInt("zk-session", 60000));
        registry.setUseAsMetadataCenter(a.getBool("metadata-center", false));
        // check=true: how long start() waits for a provider (Dubbo default 30000 ms)
        ModuleConfig module = new ModuleConfig();
        module.setCheckReferenceTimeout(a.getLong("check-timeout", 5000));
        DubboBootstrap.getInstance().application(application()).module(module).registry(registry).reference(ref).start();
        return ref.get();
    }

    private void attach() {
        if (!attachments.isEmpty()) RpcContext.getClientAttachment().setAttachments(attachments);
    }

    /** Response attachments of the last call (server -> client), as received. */
    private static Map<String, Object> responseAttachments() {
        Map<String, Object> m = RpcContext.getServerContext().getObjectAttachments();
        return m == null ? Map.of() : new TreeMap<>(m);
    }

    // ------------------------------------------------------------------------------------------------ call helpers

    private interface Call {
        Object call() throws Throwable;
    }

    /** Run one call and print {"method","call","ok",value|exception,message,...} */
    private boolean report(String method, String callId, Object args, Call c) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("method", method);
        if (callId != null) line.put("call", callId);
        line.put("args", args);
        long t0 = System.nanoTime();
        boolean ok;
        try {
            attach();
            Object v = c.call();
            line.put("ok", true);
            line.put("value", v);
            ok = true;
        } catch (Throwable t) {
            Throwable e = t instanceof InvocationTargetException ? t.getCause() : t;
            line.put("ok", false);
            line.put("exception", e.getClass().getName());
            line.put("message", trimStack(e.getMessage()));
            if (e instanceof GenericException) {
                line.put("exceptionClass", ((GenericException) e).getExceptionClass());
                line.put("exceptionMessage", ((GenericException) e).getExceptionMessage());
            }
            if (e instanceof RpcException) line.put("code", ((RpcException) e).getCode());
            Throwable root = rootCause(e);
            if (root != e) {
                line.put("cause", root.getClass().getName());
                line.put("causeMessage", root.getMessage());
            }
            ok = false;
        }
        line.put("ms", (System.nanoTime() - t0) / 1_000_000.0);
        Map<String, Object> ra = responseAttachments();
        if (!ra.isEmpty()) line.put("responseAttachments", ra);
        if (only(method, callId)) Out.json(line);
        return ok;
    }

    /** --methods a,b,c restricts what is called (method names or call ids). */
    private boolean only(String method, String callId) {
        String m = a.get("methods", null);
        if (m == null) return true;
        // split on commas outside parentheses, so "echo(String,int)" stays one id
        List<String> l = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i <= m.length(); i++) {
            char c = i < m.length() ? m.charAt(i) : ',';
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) {
                l.add(m.substring(start, i).trim());
                start = i + 1;
            }
        }
        return l.contains(method) || (callId != null && l.contains(callId));
    }

    private void maybe(String method, String callId, Object args, Call c) {
        if (only(method, callId)) report(method, callId, args, c);
    }

    /** GenericException messages embed the provider's stack trace: keep the text before the first "\n\tat ". */
    static String trimStack(String m) {
        if (m == null) return null;
        int i = m.indexOf("\n\tat ");
        if (i < 0) return m;
        String head = m.substring(0, i);
        int nl = head.lastIndexOf('\n');
        // "X: msg\nX: msg\n\tat ..." -> "X: msg"
        return nl > 0 && head.substring(nl + 1).equals(head.substring(0, nl)) ? head.substring(0, nl) : head;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r;
    }

    private static List<Object> args(Object... v) {
        return Arrays.asList(v);
    }

    // ------------------------------------------------------------------------------------------------ typed

    /** Typed ReferenceConfig<NodeAppService>: one JSON line per call. */
    private int typed() {
        NodeAppService s = start(reference(NODE_IFACE, null));
        User u = SampleData.user(42L, "Alice");
        long big = 9007199254740993L; // 2^53 + 1
        maybe("hello", "hello", args("ferry"), () -> s.hello("ferry"));
        maybe("hello", "hello#emoji", args("héllo 世界 😀"), () -> s.hello("héllo 世界 😀"));
        maybe("getUser", "getUser", args(42L), () -> s.getUser(42L));
        maybe("saveUser", "saveUser", args(u), () -> s.saveUser(u));
        maybe("addLong", "addLong", args(40L, 2L), () -> s.addLong(40L, 2L));
        maybe("addLong", "addLong#big", args(big, 1L), () -> s.addLong(big, 1L));
        maybe("addLong", "addLong#max", args(Long.MAX_VALUE - 1, 1L), () -> s.addLong(Long.MAX_VALUE - 1, 1L));
        maybe("scale", "scale", args(new BigDecimal("12345.6789")), () -> s.scale(new BigDecimal("12345.6789")));
        maybe("listUsers", "listUsers", args(3), () -> s.listUsers(3));
        maybe("counts", "counts", args(), s::counts);
        maybe("now", "now", args(), s::now);
        maybe("touch", "touch", args("abc"), () -> { s.touch("abc"); return null; });
        maybe("fail", "fail#400", args(400), () -> s.fail(400));
        maybe("fail", "fail#404", args(404), () -> s.fail(404));
        maybe("fail", "fail#500", args(500), () -> s.fail(500));
        maybe("slow", "slow", args(50L), () -> s.slow(50L));
        maybe("isTrue", "isTrue#true", args(true), () -> s.isTrue(true));
        maybe("isTrue", "isTrue#false", args(false), () -> s.isTrue(false));
        maybe("zero", "zero", args(), s::zero);
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ generic

    static Map<String, Object> userMap(long id, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class", USER_CLASS);
        m.put("id", id);
        m.put("name", name);
        m.put("age", 30);
        m.put("tags", new ArrayList<>(List.of("a", "b")));
        m.put("color", "GREEN");
        m.put("birthday", new Date(SampleData.BIRTHDAY_MS));
        m.put("balance", new BigDecimal("1234.56"));
        m.put("attributes", new LinkedHashMap<>(Map.of("k", "v")));
        return m;
    }

    /** GenericService.$invoke with POJOs as Maps carrying a "class" key. --service node (default) | matrix */
    private int generic() {
        boolean matrix = "matrix".equals(a.get("service", "node"));
        ReferenceConfig<GenericService> ref = reference(matrix ? MATRIX_IFACE : NODE_IFACE, matrix ? "1.0.0" : null);
        ref.setGeneric("true");
        GenericService g = start(ref);
        if (matrix) {
            gcall(g, "echoString", new String[] {"java.lang.String"}, new Object[] {"héllo 😀"});
            gcall(g, "echoLong", new String[] {"long"}, new Object[] {Long.MAX_VALUE});
            gcall(g, "echoUser", new String[] {USER_CLASS}, new Object[] {userMap(42L, "Alice")});
            gcall(g, "echoBigDecimal", new String[] {"java.math.BigDecimal"}, new Object[] {new BigDecimal("12345.6789")});
            gcall(g, "echoColor", new String[] {Color.class.getName()}, new Object[] {"BLUE"});
            gcall(g, "echoLocalDate", new String[] {"java.time.LocalDate"}, new Object[] {"2024-02-29"});
            gcall(g, "echo", new String[] {"java.lang.String", "int"}, new Object[] {"ab", 3});
            gcall(g, "getUser", new String[] {"long"}, new Object[] {404L});
            gcall(g, "illegal", new String[] {"java.lang.String"}, new Object[] {"x"});
            gcall(g, "nullUser", new String[0], new Object[0]);
            gcall(g, "attachments", new String[0], new Object[0]);
            return 0;
        }
        gcall(g, "hello", new String[] {"java.lang.String"}, new Object[] {"ferry"});
        gcall(g, "getUser", new String[] {"long"}, new Object[] {42L});
        gcall(g, "saveUser", new String[] {USER_CLASS}, new Object[] {userMap(42L, "Alice")});
        gcall(g, "addLong", new String[] {"long", "long"}, new Object[] {40L, 2L});
        gcall(g, "scale", new String[] {"java.math.BigDecimal"}, new Object[] {new BigDecimal("12345.6789")});
        gcall(g, "listUsers", new String[] {"int"}, new Object[] {3});
        gcall(g, "counts", new String[0], new Object[0]);
        gcall(g, "now", new String[0], new Object[0]);
        gcall(g, "touch", new String[] {"java.lang.String"}, new Object[] {"abc"});
        gcall(g, "fail", new String[] {"int"}, new Object[] {500});
        gcall(g, "slow", new String[] {"long"}, new Object[] {50L});
        gcall(g, "isTrue", new String[] {"boolean"}, new Object[] {true});
        gcall(g, "zero", new String[0], new Object[0]);
        return 0;
    }

    private void gcall(GenericService g, String method, String[] types, Object[] values) {
        maybe(method, method, Json.obj("types", types, "values", values), () -> g.$invoke(method, types, values));
    }

    // ------------------------------------------------------------------------------------------------ concurrent

    /**
     * N concurrent async calls over the reference's single shared connection; each answer is verified.
     * --service node (default): NodeAppService.addLong(i, 1000000007) == i + 1000000007
     * --service matrix: TypeMatrixService.echoString("c-" + i)
     */
    private int concurrent(int n) throws Exception {
        boolean matrix = "matrix".equals(a.get("service", "node"));
        final long offset = 1_000_000_007L;
        List<CompletableFuture<Object>> futures = new ArrayList<>(n);
        long t0;
        if (matrix) {
            TypeMatrixService s = start(reference(MATRIX_IFACE, "1.0.0"));
            s.echoString("warmup");
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                final int k = i;
                attach();
                futures.add(async(() -> s.echoString("c-" + k)));
            }
        } else {
            NodeAppService s = start(reference(NODE_IFACE, null));
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                final long k = i;
                attach();
                futures.add(async(() -> s.addLong(k, offset)));
            }
        }
        int ok = 0, wrong = 0, failed = 0;
        List<Object> problems = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object expected = matrix ? (Object) ("c-" + i) : (Object) (i + offset);
            try {
                Object v = futures.get(i).get(a.getInt("timeout", 5000) + 5000L, TimeUnit.MILLISECONDS);
                if (expected.equals(v)) ok++;
                else {
                    wrong++;
                    if (problems.size() < 20) problems.add(Json.obj("i", i, "expected", expected, "got", v));
                }
            } catch (Exception e) {
                failed++;
                Throwable r = rootCause(e);
                if (problems.size() < 20) problems.add(Json.obj("i", i, "exception", r.getClass().getName(), "message", r.getMessage()));
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        Out.json(Json.obj("mode", "concurrent", "service", matrix ? "matrix" : "node", "n", n, "ok", ok,
                "wrong", wrong, "failed", failed, "ms", ms, "problems", problems));
        return ok == n ? 0 : 1;
    }

    /**
     * Like RpcContext.asyncCall, which cannot be used for primitive return types: the async proxy call returns the
     * primitive default (0, false), which asyncCall mistakes for a local result and wraps in a completed future.
     */
    @SuppressWarnings("unchecked")
    private static CompletableFuture<Object> async(Runnable call) {
        try {
            RpcContext.getClientAttachment().setAttachment("async", "true");
            try {
                call.run();
            } finally {
                RpcContext.getClientAttachment().removeAttachment("async");
            }
            return (CompletableFuture<Object>) RpcContext.getServiceContext().getFuture();
        } catch (RuntimeException e) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            f.completeExceptionally(e);
            return f;
        }
    }

    // ------------------------------------------------------------------------------------------------ bench

    /**
     * --duration S (10) --warmup S (2) --concurrency C (32) --method echoString|echoUser|echoLong|whoami (matrix)
     * or hello|addLong|getUser (--service node). Sync calls from C threads. Prints one JSON summary line.
     */
    private int bench() throws Exception {
        boolean node = "node".equals(a.get("service", "matrix"));
        String method = a.get("method", node ? "hello" : "echoString");
        int concurrency = a.getInt("concurrency", 32);
        double duration = Double.parseDouble(a.get("duration", "10"));
        double warmup = Double.parseDouble(a.get("warmup", "2"));
        Callable<Object> op;
        if (node) {
            NodeAppService s = start(reference(NODE_IFACE, null));
            switch (method) {
                case "hello": op = () -> s.hello("bench"); break;
                case "addLong": op = () -> s.addLong(40L, 2L); break;
                case "getUser": op = () -> s.getUser(42L); break;
                default: throw new IllegalArgumentException("unknown node bench method " + method);
            }
        } else {
            TypeMatrixService s = start(reference(MATRIX_IFACE, "1.0.0"));
            User u = SampleData.user(42L, "Alice");
            switch (method) {
                case "echoString": op = () -> s.echoString("hello ferry"); break;
                case "echoUser": op = () -> s.echoUser(u); break;
                case "echoLong": op = () -> s.echoLong(42L); break;
                case "whoami": op = s::whoami; break;
                default: throw new IllegalArgumentException("unknown matrix bench method " + method);
            }
        }
        final Callable<Object> call = op;
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        AtomicLong errors = new AtomicLong();
        long[][] lat = new long[concurrency][];
        int[] counts = new int[concurrency];
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int t = 0; t < concurrency; t++) {
            final int ti = t;
            lat[t] = new long[1 << 16];
            Thread th = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        long s0 = System.nanoTime();
                        boolean ok = true;
                        try {
                            attach();
                            call.call();
                        } catch (Exception e) {
                            ok = false;
                        }
                        long d = System.nanoTime() - s0;
                        if (measuring.get()) {
                            if (!ok) errors.incrementAndGet();
                            if (counts[ti] == lat[ti].length) lat[ti] = Arrays.copyOf(lat[ti], lat[ti].length * 2);
                            lat[ti][counts[ti]++] = d;
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "bench-" + t);
            th.setDaemon(true);
            th.start();
        }
        Thread.sleep((long) (warmup * 1000));
        long m0 = System.nanoTime();
        measuring.set(true);
        Thread.sleep((long) (duration * 1000));
        measuring.set(false);
        long m1 = System.nanoTime();
        stop.set(true);
        done.await(30, TimeUnit.SECONDS);
        int total = 0;
        for (int c : counts) total += c;
        long[] all = new long[total];
        int p = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(lat[t], 0, all, p, counts[t]);
            p += counts[t];
        }
        Arrays.sort(all);
        double secs = (m1 - m0) / 1e9;
        double sum = 0;
        for (long l : all) sum += l;
        Out.json(Json.obj("mode", "bench", "client", "java-dubbo-" + Version.getVersion(), "service", node ? "node" : "matrix",
                "method", method, "concurrency", concurrency, "durationSec", secs, "requests", total,
                "errors", errors.get(), "rps", total / secs,
                "meanMs", total == 0 ? 0 : sum / total / 1e6, "p50Ms", pct(all, 0.50), "p90Ms", pct(all, 0.90),
                "p99Ms", pct(all, 0.99), "p999Ms", pct(all, 0.999), "maxMs", total == 0 ? 0 : all[total - 1] / 1e6));
        return 0;
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    // ------------------------------------------------------------------------------------------------ matrix

    /** Typed Java -> Java baseline over the whole TypeMatrixService (also used to capture golden frames). */
    private int matrix() {
        TypeMatrixService s = start(reference(MATRIX_IFACE, "1.0.0"));
        User u = SampleData.user(42L, "Alice");
        maybe("echoInt", null, args(-7), () -> s.echoInt(-7));
        maybe("echoLong", null, args(Long.MAX_VALUE), () -> s.echoLong(Long.MAX_VALUE));
        maybe("echoInteger", null, args(123), () -> s.echoInteger(123));
        maybe("echoLongBoxed", null, args(5L), () -> s.echoLongBoxed(5L));
        maybe("echoDouble", null, args(3.5), () -> s.echoDouble(3.5));
        maybe("echoBoolean", null, args(true), () -> s.echoBoolean(true));
        maybe("echoString", null, args("héllo 世界 😀"), () -> s.echoString("héllo 世界 😀"));
        maybe("echoString", "echoString#null", args((Object) null), () -> s.echoString(null));
        maybe("echoBigDecimal", null, args(new BigDecimal("12345.6789")), () -> s.echoBigDecimal(new BigDecimal("12345.6789")));
        maybe("echoBigInteger", null, args(new BigInteger("123456789012345678901234567890")),
                () -> s.echoBigInteger(new BigInteger("123456789012345678901234567890")));
        maybe("echoDate", null, args(new Date(1700000000123L)), () -> s.echoDate(new Date(1700000000123L)));
        maybe("echoLocalDate", null, args(LocalDate.of(2024, 2, 29)), () -> s.echoLocalDate(LocalDate.of(2024, 2, 29)));
        maybe("echoLocalDateTime", null, args(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_000_000)),
                () -> s.echoLocalDateTime(LocalDateTime.of(2024, 2, 29, 13, 45, 30, 123_000_000)));
        maybe("echoInstant", null, args(Instant.ofEpochMilli(1700000000123L)), () -> s.echoInstant(Instant.ofEpochMilli(1700000000123L)));
        maybe("echoColor", null, args(Color.BLUE), () -> s.echoColor(Color.BLUE));
        maybe("echoUser", null, args(u), () -> s.echoUser(u));
        maybe("echoOrder", null, args(SampleData.order()), () -> s.echoOrder(SampleData.order()));
        maybe("echoUsers", null, args(List.of(u, SampleData.user(43L, "Bob"))),
                () -> s.echoUsers(new ArrayList<>(List.of(u, SampleData.user(43L, "Bob")))));
        maybe("echoSet", null, args(List.of("x", "y")), () -> s.echoSet(new LinkedHashSet<>(List.of("x", "y"))));
        maybe("echoMap", null, args(Map.of("a", 1L)), () -> s.echoMap(new LinkedHashMap<>(Map.of("a", 1L))));
        maybe("echoBytes", null, args(new byte[] {0, 1, 2, 127, -128, -1}), () -> s.echoBytes(new byte[] {0, 1, 2, 127, -128, -1}));
        maybe("echoObject", null, args(Map.of("k", "v")), () -> s.echoObject(new HashMap<>(Map.of("k", "v"))));
        maybe("typeOf", null, args(1), () -> s.typeOf(1));
        maybe("nullUser", null, args(), s::nullUser);
        maybe("maxLong", null, args(), s::maxLong);
        maybe("addLong", null, args(40L, 2L), () -> s.addLong(40L, 2L));
        maybe("addInt", null, args(40, 2), () -> s.addInt(40, 2));
        maybe("makeUser", null, args(7L, "Eve"), () -> s.makeUser(7L, "Eve"));
        maybe("echo", "echo(String)", args("x"), () -> s.echo("x"));
        maybe("echo", "echo(String,int)", args("ab", 3), () -> s.echo("ab", 3));
        maybe("echo", "echo(User)", args(u), () -> s.echo(u));
        maybe("record", null, args("k1"), () -> { s.record("k1"); return null; });
        maybe("recordCount", null, args("k1"), () -> s.recordCount("k1"));
        maybe("getUser", null, args(42L), () -> s.getUser(42L));
        maybe("getUser", "getUser#404", args(404L), () -> s.getUser(404L));
        maybe("illegal", null, args("x"), () -> s.illegal("x"));
        maybe("sleep", null, args(20L), () -> s.sleep(20L));
        maybe("whoami", null, args(), s::whoami);
        maybe("attachments", null, args(), s::attachments);
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ small modes

    /** GreetingService.greet(--name) with --version/--group (defaults 1.0.0 / blue). */
    private int greet() {
        ReferenceConfig<GreetingService> ref = reference(GreetingService.class.getName(), "1.0.0");
        if (!a.has("group")) ref.setGroup("blue");
        GreetingService s = start(ref);
        String name = a.get("name", "ferry");
        return report("greet", null, args(name), () -> s.greet(name)) ? 0 : 1;
    }

    /** --calls K whoami() calls on TypeMatrixService; prints per-instance counts (load balancing / failover). */
    private int whoami() {
        TypeMatrixService s = start(reference(MATRIX_IFACE, "1.0.0"));
        int calls = a.getInt("calls", 20);
        Map<String, Integer> counts = new TreeMap<>();
        int errors = 0;
        List<Object> errs = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            try {
                attach();
                counts.merge(s.whoami(), 1, Integer::sum);
            } catch (Exception e) {
                errors++;
                if (errs.size() < 5) errs.add(Json.obj("exception", e.getClass().getName(), "message", e.getMessage()));
            }
        }
        Out.json(Json.obj("mode", "whoami", "calls", calls, "errors", errors, "counts", counts, "errorSamples", errs));
        return errors == 0 ? 0 : 1;
    }

    /** Calls TypeMatrixService.attachments() once with the configured attachments and prints what the provider saw. */
    private int attachmentsMode() {
        TypeMatrixService s = start(reference(MATRIX_IFACE, "1.0.0"));
        return report("attachments", null, attachments, s::attachments) ? 0 : 1;
    }
}
