package com.example.ferry.provider;

import com.example.ferry.api.IdlGreeter;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import org.apache.dubbo.rpc.RpcContext;

final class IdlGreeterImpl implements IdlGreeter {
    private final String name;

    IdlGreeterImpl(String name) {
        this.name = name;
    }

    @Override
    public StringValue greet(StringValue who) {
        Object tenant = RpcContext.getServerAttachment().getObjectAttachment("x-tenant-id");
        return StringValue.of("hello " + who.getValue() + " from " + name + (tenant == null ? "" : " for " + tenant));
    }

    @Override
    public Int64Value square(Int64Value n) {
        return Int64Value.of(n.getValue() * n.getValue());
    }

    @Override
    public StringValue fail(StringValue message) {
        throw new IllegalStateException(message.getValue());
    }
}
