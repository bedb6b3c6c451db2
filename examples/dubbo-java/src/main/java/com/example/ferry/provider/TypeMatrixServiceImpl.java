package com.example.ferry.provider;

import com.example.ferry.api.Color;
import com.example.ferry.api.Order;
import com.example.ferry.api.TypeMatrixService;
import com.example.ferry.api.User;
import com.example.ferry.api.UserNotFoundException;
import org.apache.dubbo.rpc.RpcContext;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

public class TypeMatrixServiceImpl implements TypeMatrixService {
    private final String name;
    private final int port;
    private final Map<String, AtomicInteger> records = new ConcurrentHashMap<>();

    public TypeMatrixServiceImpl(String name, int port) {
        this.name = name;
        this.port = port;
    }

    @Override public int echoInt(int v) { return v; }
    @Override public long echoLong(long v) { return v; }
    @Override public Integer echoInteger(Integer v) { return v; }
    @Override public Long echoLongBoxed(Long v) { return v; }
    @Override public double echoDouble(double v) { return v; }
    @Override public boolean echoBoolean(boolean v) { return v; }
    @Override public String echoString(String v) { return v; }
    @Override public BigDecimal echoBigDecimal(BigDecimal v) { return v; }
    @Override public BigInteger echoBigInteger(BigInteger v) { return v; }
    @Override public Date echoDate(Date v) { return v; }
    @Override public LocalDate echoLocalDate(LocalDate v) { return v; }
    @Override public LocalDateTime echoLocalDateTime(LocalDateTime v) { return v; }
    @Override public Instant echoInstant(Instant v) { return v; }
    @Override public Color echoColor(Color v) { return v; }
    @Override public User echoUser(User v) { return v; }
    @Override public Order echoOrder(Order v) { return v; }
    @Override public List<User> echoUsers(List<User> v) { return v; }
    @Override public Set<String> echoSet(Set<String> v) { return v; }
    @Override public Map<String, Long> echoMap(Map<String, Long> v) { return v; }
    @Override public byte[] echoBytes(byte[] v) { return v; }
    @Override public Object echoObject(Object v) { return v; }

    @Override
    public String typeOf(Object v) {
        if (v == null) return "null";
        StringBuilder sb = new StringBuilder(v.getClass().getName());
        if (v instanceof Map) {
            // element types as well: {"a":java.lang.Integer,...}
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                sb.append(e.getKey()).append('=').append(e.getValue() == null ? "null" : e.getValue().getClass().getName());
            }
            sb.append('}');
        } else if (v instanceof java.util.Collection) {
            sb.append('[');
            boolean first = true;
            for (Object o : (java.util.Collection<?>) v) {
                if (!first) sb.append(',');
                first = false;
                sb.append(o == null ? "null" : o.getClass().getName());
            }
            sb.append(']');
        }
        return sb.toString();
    }

    @Override public User nullUser() { return null; }
    @Override public long maxLong() { return Long.MAX_VALUE; }
    @Override public long addLong(long a, long b) { return a + b; }
    @Override public int addInt(int a, int b) { return a + b; }

    @Override
    public User makeUser(long id, String name) {
        return SampleData.user(id, name);
    }

    @Override public String echo(String s) { return "echo(String):" + s; }

    @Override
    public String echo(String s, int times) {
        return "echo(String,int):" + String.valueOf(s).repeat(Math.max(0, times));
    }

    @Override public String echo(User u) { return "echo(User):" + (u == null ? null : u.getName()); }

    @Override
    public void record(String key) {
        records.computeIfAbsent(String.valueOf(key), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public int recordCount(String key) {
        AtomicInteger c = records.get(String.valueOf(key));
        return c == null ? 0 : c.get();
    }

    @Override
    public User getUser(long id) throws UserNotFoundException {
        if (id <= 0 || id == 404) throw new UserNotFoundException("user " + id + " not found");
        return SampleData.user(id, "user-" + id);
    }

    @Override
    public String illegal(String s) {
        throw new IllegalArgumentException("bad argument: " + s);
    }

    @Override
    public long sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ms;
    }

    @Override
    public String whoami() {
        RpcContext.getServerContext().setAttachment("served-by", name);
        return name + ":" + port;
    }

    @Override
    public Map<String, String> attachments() {
        Map<String, Object> in = RpcContext.getServerAttachment().getObjectAttachments();
        Map<String, String> out = new TreeMap<>();
        if (in != null) in.forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        RpcContext.getServerContext().setAttachment("served-by", name);
        return new LinkedHashMap<>(out);
    }
}
