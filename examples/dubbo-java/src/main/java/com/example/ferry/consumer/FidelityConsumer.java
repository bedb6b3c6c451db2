package com.example.ferry.consumer;

import com.example.ferry.api.FidelityService;
import com.example.ferry.api.Stamp;
import com.example.ferry.util.Args;
import com.example.ferry.util.Json;
import com.example.ferry.util.LocalHost;
import com.example.ferry.util.Out;
import org.apache.dubbo.common.utils.PojoUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.service.GenericException;
import org.apache.dubbo.rpc.service.GenericService;
import java.lang.reflect.InvocationTargetException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * `consumer fidelity --url dubbo://host:port`: calls FidelityService typed and generically ($invoke) with the values
 * Java and JavaScript disagree about, one JSON line per call: {"call","ok","value"|"exception","message"}.
 * Dates print as Instant.toString(), BigDecimals as toString() plus "scale".
 */
final class FidelityConsumer {
    private FidelityConsumer() {
    }

    static int run(Args a) {
        // a direct dubbo://127.0.0.1 URL is otherwise rewritten to the first non-loopback address (see LocalHost)
        LocalHost.useLoopback("127.0.0.1");
        ApplicationConfig app = new ApplicationConfig("ferry-fidelity-consumer");
        app.setQosEnable(false);
        app.setLogger("slf4j");
        app.setEnableFileCache(false);
        ReferenceConfig<FidelityService> typedRef = reference(a, FidelityService.class.getName());
        ReferenceConfig<GenericService> genericRef = reference(a, FidelityService.class.getName());
        genericRef.setGeneric("true");
        genericRef.setId("fidelity-generic");
        DubboBootstrap.getInstance().application(app).reference(typedRef).reference(genericRef).start();
        FidelityService s = typedRef.get();
        GenericService g = genericRef.get();

        Instant at = Instant.parse("2024-03-10T06:30:00.123456789Z");
        Date when = new Date(1710052200123L);
        Stamp stamp = new Stamp("s1", at, when, new BigDecimal("19.90"));
        report("echoDate#max", () -> s.echoDate(new Date(Long.MAX_VALUE)));
        report("echoDate#min", () -> s.echoDate(new Date(Long.MIN_VALUE)));
        report("echoDate#plain", () -> s.echoDate(when));
        report("echoInstant", () -> s.echoInstant(at));
        report("echoStamp", () -> s.echoStamp(stamp));
        report("seen", () -> s.seen(stamp));
        for (String key : new String[] {"big", "scaled", "exponent", "string"}) report("decimal#" + key, () -> s.decimal(key));
        for (String key : new String[] {"max", "min", "noOffset", "feb30", "offset"}) report("date#" + key, () -> s.date(key));

        String stampClass = Stamp.class.getName();
        String[] instantType = {"java.time.Instant"};
        String[] stampType = {stampClass};
        // what generic callers (gateways, admin consoles) pass: the Java object, or PojoUtils.generalize maps
        report("generic:echoInstant", () -> g.$invoke("echoInstant", instantType, new Object[] {at}));
        report("generic:echoInstant#map", () -> g.$invoke("echoInstant", instantType, new Object[] {PojoUtils.generalize(at)}));
        report("generic:seen", () -> g.$invoke("seen", stampType, new Object[] {stamp}));
        report("generic:seen#map", () -> g.$invoke("seen", stampType, new Object[] {PojoUtils.generalize(stamp)}));
        Map<String, Object> handMade = new LinkedHashMap<>();
        handMade.put("class", stampClass);
        handMade.put("name", "s1");
        handMade.put("at", at);
        handMade.put("when", when);
        handMade.put("amount", new BigDecimal("19.90"));
        report("generic:seen#handmade", () -> g.$invoke("seen", stampType, new Object[] {handMade}));
        report("generic:echoDate#max", () -> g.$invoke("echoDate", new String[] {"java.util.Date"}, new Object[] {new Date(Long.MAX_VALUE)}));
        report("generic:decimal#big", () -> g.$invoke("decimal", new String[] {"java.lang.String"}, new Object[] {"big"}));
        return 0;
    }

    private static <T> ReferenceConfig<T> reference(Args a, String iface) {
        ReferenceConfig<T> ref = new ReferenceConfig<>();
        ref.setInterface(iface);
        ref.setUrl(a.get("url", "dubbo://127.0.0.1:20880"));
        ref.setTimeout(a.getInt("timeout", 5000));
        ref.setRetries(0);
        ref.setCheck(true);
        return ref;
    }

    private static void report(String call, Callable<Object> c) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("call", call);
        try {
            Object v = c.call();
            line.put("ok", true);
            line.put("value", v);
            if (v instanceof BigDecimal) line.put("scale", ((BigDecimal) v).scale());
            if (v instanceof Date) line.put("epochMillis", Long.toString(((Date) v).getTime()));
        } catch (Throwable t) {
            Throwable e = t instanceof InvocationTargetException ? t.getCause() : t;
            line.put("ok", false);
            line.put("exception", e.getClass().getName());
            line.put("message", ConsumerMain.trimStack(e instanceof GenericException ? ((GenericException) e).getExceptionMessage() : e.getMessage()));
        }
        Out.line(Json.write(line));
    }
}
