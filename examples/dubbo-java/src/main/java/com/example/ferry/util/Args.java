package com.example.ferry.util;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiny CLI parser: positional args plus "--key value" / "--key=value" options (repeatable) and "--flag".
 * A value is taken from the next argument unless that argument starts with "--".
 */
public final class Args {
    private final List<String> positional = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    public static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (s.startsWith("--") && s.length() > 2) {
                String key = s.substring(2);
                String value;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    value = argv[++i];
                } else {
                    value = "true";
                }
                a.options.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    public List<String> positional() { return positional; }

    public String pos(int i, String def) { return i < positional.size() ? positional.get(i) : def; }

    public boolean has(String key) { return options.containsKey(key); }

    public String get(String key, String def) {
        List<String> v = options.get(key);
        return v == null || v.isEmpty() ? def : v.get(v.size() - 1);
    }

    public List<String> all(String key) { return options.getOrDefault(key, List.of()); }

    public int getInt(String key, int def) { String v = get(key, null); return v == null ? def : Integer.parseInt(v); }

    public long getLong(String key, long def) { String v = get(key, null); return v == null ? def : Long.parseLong(v); }

    public boolean getBool(String key, boolean def) { String v = get(key, null); return v == null ? def : Boolean.parseBoolean(v); }

    public static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? def : v;
    }
}
