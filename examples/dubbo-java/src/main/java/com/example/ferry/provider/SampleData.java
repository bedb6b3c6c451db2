package com.example.ferry.provider;

import com.example.ferry.api.Color;
import com.example.ferry.api.Order;
import com.example.ferry.api.OrderLine;
import com.example.ferry.api.User;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Deterministic sample values shared by the provider and the consumer. */
public final class SampleData {
    /** 1990-05-17T00:00:00Z */
    public static final long BIRTHDAY_MS = 642902400000L;

    private SampleData() {
    }

    public static User user(long id, String name) {
        User u = new User(id, name, 30);
        List<String> tags = new ArrayList<>();
        tags.add("a");
        tags.add("b");
        u.setTags(tags);
        u.setColor(Color.GREEN);
        u.setBirthday(new Date(BIRTHDAY_MS));
        u.setBalance(new BigDecimal("1234.56"));
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("k", "v");
        u.setAttributes(attrs);
        return u;
    }

    public static Order order() {
        List<OrderLine> lines = new ArrayList<>();
        lines.add(new OrderLine("sku-1", 2, new BigDecimal("9.99")));
        lines.add(new OrderLine("sku-2", 1, new BigDecimal("100.00")));
        return new Order(7L, user(42L, "Alice"), lines);
    }
}
