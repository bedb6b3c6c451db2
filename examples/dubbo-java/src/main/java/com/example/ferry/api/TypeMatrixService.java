package com.example.ferry.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Implemented by the Java provider (version 1.0.0, no group). Every echo method returns its argument unchanged.
 * JVM descriptors in comments are what a typed (non-generic) caller must send as parameterTypesDesc.
 */
public interface TypeMatrixService {
    int echoInt(int v);                                  // I
    long echoLong(long v);                               // J   (Long.MAX_VALUE must survive)
    Integer echoInteger(Integer v);                      // Ljava/lang/Integer;
    Long echoLongBoxed(Long v);                          // Ljava/lang/Long;
    double echoDouble(double v);                         // D
    boolean echoBoolean(boolean v);                      // Z
    String echoString(String v);                         // Ljava/lang/String;  (emoji, null)
    BigDecimal echoBigDecimal(BigDecimal v);             // Ljava/math/BigDecimal;
    BigInteger echoBigInteger(BigInteger v);             // Ljava/math/BigInteger;
    Date echoDate(Date v);                               // Ljava/util/Date;
    LocalDate echoLocalDate(LocalDate v);                // Ljava/time/LocalDate;
    LocalDateTime echoLocalDateTime(LocalDateTime v);    // Ljava/time/LocalDateTime;
    Instant echoInstant(Instant v);                      // Ljava/time/Instant;
    Color echoColor(Color v);                            // Lcom/example/ferry/api/Color;
    User echoUser(User v);                               // Lcom/example/ferry/api/User;
    Order echoOrder(Order v);                            // Lcom/example/ferry/api/Order;
    List<User> echoUsers(List<User> v);                  // Ljava/util/List;
    Set<String> echoSet(Set<String> v);                  // Ljava/util/Set;
    Map<String, Long> echoMap(Map<String, Long> v);      // Ljava/util/Map;
    byte[] echoBytes(byte[] v);                          // [B
    Object echoObject(Object v);                         // Ljava/lang/Object;

    /** Java class name of the received argument ("null" for null): shows what a Node value became in Java. */
    String typeOf(Object v);                             // Ljava/lang/Object;

    /** Always returns null (RESPONSE_NULL_VALUE[_WITH_ATTACHMENTS]). */
    User nullUser();                                     // (empty)

    long maxLong();                                      // returns Long.MAX_VALUE
    long addLong(long a, long b);                        // JJ
    int addInt(int a, int b);                            // II
    User makeUser(long id, String name);                 // JLjava/lang/String;

    // overloads
    String echo(String s);                               // Ljava/lang/String;      -> "echo(String):" + s
    String echo(String s, int times);                    // Ljava/lang/String;I     -> "echo(String,int):" + s repeated
    String echo(User u);                                 // Lcom/example/ferry/api/User; -> "echo(User):" + name

    /** void method: counts calls per key; read with recordCount. */
    void record(String key);                             // Ljava/lang/String;
    int recordCount(String key);

    /** Throws UserNotFoundException("user <id> not found") for id <= 0 or id == 404; otherwise a sample user. */
    User getUser(long id) throws UserNotFoundException;  // J

    /** Always throws IllegalArgumentException("bad argument: " + s). */
    String illegal(String s);

    /** Sleeps ms milliseconds and returns ms. */
    long sleep(long ms);

    /** "<instance name>:<dubbo port>" of the provider that answered. Also sets response attachment served-by. */
    String whoami();

    /** Attachments the provider received (RpcContext server attachments, values as strings). */
    Map<String, String> attachments();
}
