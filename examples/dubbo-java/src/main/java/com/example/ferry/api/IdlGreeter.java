package com.example.ferry.api;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;

/**
 * A protobuf-typed ("IDL-style") Triple service: every method takes and returns one protobuf message, so Dubbo
 * serves it as plain gRPC ({@code application/grpc+proto}, path {@code /com.example.ferry.api.IdlGreeter/greet}),
 * callable from any gRPC client with this proto (sidecar/test/fixtures/idl-greeter.proto):
 * <pre>
 * package com.example.ferry.api;
 * service IdlGreeter {
 *   rpc greet(google.protobuf.StringValue) returns (google.protobuf.StringValue);   // "hello NAME from PROVIDER"
 *   rpc square(google.protobuf.Int64Value) returns (google.protobuf.Int64Value);
 *   rpc fail(google.protobuf.StringValue) returns (google.protobuf.StringValue);     // throws IllegalStateException(msg)
 * }
 * </pre>
 * Exported only by providers started with {@code --protocol tri}.
 */
public interface IdlGreeter {
    StringValue greet(StringValue name);

    Int64Value square(Int64Value n);

    StringValue fail(StringValue message);
}
