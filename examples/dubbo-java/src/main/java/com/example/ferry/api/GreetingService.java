package com.example.ferry.api;

/**
 * Registered four times by the Java provider: version 1.0.0 / 2.0.0 x group blue / green.
 * greet("x") returns "[<group>/<version>] Hello x" so callers can tell which one answered.
 */
public interface GreetingService {
    String greet(String name);
}
