package com.example.ferry.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;

/**
 * Implemented by the Node app behind Ferry in the value-fidelity tests (sidecar/test/integration/dubbo-fidelity.test.ts):
 * the echo methods answer their argument as the app received it, the keyed methods answer a fixed JSON text per key
 * (numbers and dates Java and JavaScript disagree about). Called by `consumer fidelity`.
 */
public interface FidelityService {
    Date echoDate(Date v);                 // Ljava/util/Date;
    Instant echoInstant(Instant v);        // Ljava/time/Instant;
    Stamp echoStamp(Stamp v);              // Lcom/example/ferry/api/Stamp;
    /** What the app received, as the JSON text it saw. */
    String seen(Stamp v);                  // Lcom/example/ferry/api/Stamp;
    BigDecimal decimal(String key);        // Ljava/lang/String;
    Date date(String key);                 // Ljava/lang/String;
}
