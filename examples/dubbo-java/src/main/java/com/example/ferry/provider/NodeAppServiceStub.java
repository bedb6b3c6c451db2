package com.example.ferry.provider;

import com.example.ferry.api.NodeAppService;
import com.example.ferry.api.User;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Java stand-in for the Node app, exported only with `provider --node-app-stub`. It exists to self-test the
 * consumer's typed/generic/concurrent modes without Ferry; the real NodeAppService is a Node app behind Ferry.
 * Its answers are not a specification of what the Node app must return.
 */
public class NodeAppServiceStub implements NodeAppService {
    private final String name;

    public NodeAppServiceStub(String name) {
        this.name = name;
    }

    @Override public User getUser(long id) { return SampleData.user(id, "user-" + id); }
    @Override public User saveUser(User u) { return u; }
    @Override public String hello(String n) { return "hello " + n; }
    @Override public long addLong(long a, long b) { return a + b; }
    @Override public BigDecimal scale(BigDecimal v) { return v == null ? null : v.multiply(BigDecimal.TEN); }

    @Override
    public List<User> listUsers(int n) {
        List<User> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) l.add(SampleData.user(i, "user-" + i));
        return l;
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("a", 1L);
        m.put("big", 9007199254740993L);
        return m;
    }

    @Override public Date now() { return new Date(); }
    @Override public void touch(String id) { }

    @Override
    public String fail(int httpStatus) {
        throw new IllegalStateException("stub " + name + " failed with HTTP " + httpStatus);
    }

    @Override
    public String slow(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "slept " + ms;
    }

    @Override public boolean isTrue(boolean b) { return b; }
    @Override public int zero() { return 0; }
}
