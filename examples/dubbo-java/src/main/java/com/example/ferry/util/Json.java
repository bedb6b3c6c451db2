package com.example.ferry.util;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Minimal JSON writer for the JSON-lines output of the Java peers (no dependency on a JSON library, so 3.2 and 3.3
 * builds print identically). Conventions (documented in README.md):
 *   long/Long outside +-(2^53-1) -> JSON string; BigDecimal/BigInteger -> JSON string; Date -> ISO-8601 instant string
 *   (millisecond precision, "Z"); java.time.* -> toString(); enum -> name(); byte[] -> base64 string;
 *   POJO -> object of its non-static non-transient fields in declaration order (superclass fields first);
 *   Throwable -> {"class":..., "message":...}.
 */
public final class Json {
    private static final long MAX_SAFE = 9007199254740991L;

    private Json() {
    }

    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 0);
        return sb.toString();
    }

    /** Build an ordered object from key/value pairs: obj("a", 1, "b", 2). */
    public static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put(String.valueOf(kv[i]), kv[i + 1]);
        return m;
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        if (depth > 32) { str(sb, String.valueOf(v)); return; }
        if (v == null) { sb.append("null"); return; }
        if (v instanceof String) { str(sb, (String) v); return; }
        if (v instanceof Boolean) { sb.append(v); return; }
        if (v instanceof Long) {
            long l = (Long) v;
            if (l > MAX_SAFE || l < -MAX_SAFE) str(sb, Long.toString(l)); else sb.append(l);
            return;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) { sb.append(v); return; }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) str(sb, Double.toString(d));
            else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
            else sb.append(d);
            return;
        }
        if (v instanceof BigDecimal || v instanceof BigInteger) { str(sb, v.toString()); return; }
        if (v instanceof Number) { sb.append(v); return; }
        if (v instanceof Character) { str(sb, v.toString()); return; }
        if (v instanceof Date) { str(sb, ((Date) v).toInstant().toString()); return; }
        if (v instanceof TemporalAccessor) { str(sb, v.toString()); return; }
        if (v instanceof Enum) { str(sb, ((Enum<?>) v).name()); return; }
        if (v instanceof byte[]) { str(sb, Base64.getEncoder().encodeToString((byte[]) v)); return; }
        if (v instanceof Class) { str(sb, ((Class<?>) v).getName()); return; }
        if (v instanceof Throwable) {
            Throwable t = (Throwable) v;
            write(sb, obj("class", t.getClass().getName(), "message", t.getMessage()), depth + 1);
            return;
        }
        if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                str(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue(), depth + 1);
            }
            sb.append('}');
            return;
        }
        if (v instanceof Collection) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Collection<?>) v) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o, depth + 1);
            }
            sb.append(']');
            return;
        }
        if (v.getClass().isArray()) {
            sb.append('[');
            int n = Array.getLength(v);
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append(',');
                write(sb, Array.get(v, i), depth + 1);
            }
            sb.append(']');
            return;
        }
        if (v.getClass().getName().startsWith("java.")) { str(sb, v.toString()); return; }
        // POJO
        sb.append('{');
        boolean first = true;
        for (Field f : fields(v.getClass())) {
            Object fv;
            try {
                f.setAccessible(true);
                fv = f.get(v);
            } catch (Exception e) {
                fv = "<" + e + ">";
            }
            if (!first) sb.append(',');
            first = false;
            str(sb, f.getName());
            sb.append(':');
            write(sb, fv, depth + 1);
        }
        sb.append('}');
    }

    private static List<Field> fields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        if (c.getSuperclass() != null && c.getSuperclass() != Object.class) out.addAll(fields(c.getSuperclass()));
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()) continue;
            out.add(f);
        }
        return out;
    }

    private static void str(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        sb.append('"');
    }
}
