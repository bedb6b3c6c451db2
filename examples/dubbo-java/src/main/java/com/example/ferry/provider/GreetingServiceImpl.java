package com.example.ferry.provider;

import com.example.ferry.api.GreetingService;

public class GreetingServiceImpl implements GreetingService {
    private final String group;
    private final String version;

    public GreetingServiceImpl(String group, String version) {
        this.group = group;
        this.version = version;
    }

    @Override
    public String greet(String name) {
        return "[" + group + "/" + version + "] Hello " + name;
    }
}
