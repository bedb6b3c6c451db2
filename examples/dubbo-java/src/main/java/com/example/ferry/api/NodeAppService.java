package com.example.ferry.api;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Implemented by a Node.js application behind Ferry (Ferry exposes it as a Dubbo provider). Not implemented in Java:
 * the Java consumer (ConsumerMain typed/generic modes) calls it.
 */
public interface NodeAppService {
    User getUser(long id);                 // J
    User saveUser(User u);                 // Lcom/example/ferry/api/User;
    String hello(String name);             // Ljava/lang/String;
    long addLong(long a, long b);          // JJ
    BigDecimal scale(BigDecimal v);        // Ljava/math/BigDecimal;
    List<User> listUsers(int n);           // I
    Map<String, Long> counts();            //
    Date now();                            //
    void touch(String id);                 // Ljava/lang/String;
    String fail(int httpStatus);           // I   (the app answers with an error of that HTTP status)
    String slow(long ms);                  // J
    boolean isTrue(boolean b);             // Z
    int zero();                            //
}
