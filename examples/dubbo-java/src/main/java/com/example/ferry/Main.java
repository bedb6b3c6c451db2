package com.example.ferry;

import com.example.ferry.capture.CaptureMain;
import com.example.ferry.consumer.ConsumerMain;
import com.example.ferry.provider.ProviderMain;

import java.util.Arrays;

/** java -jar ferry-dubbo-peers-3.x.jar provider|consumer|capture|version [args...] */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "provider":
                ProviderMain.main(rest);
                break;
            case "consumer":
                ConsumerMain.main(rest);
                break;
            case "capture":
                CaptureMain.main(rest);
                break;
            case "version":
                System.out.println(org.apache.dubbo.common.Version.getVersion());
                break;
            default:
                System.err.println("usage: java -jar ferry-dubbo-peers.jar provider|consumer|capture|version [options]");
                System.exit(2);
        }
    }
}
