package com.example.ferry.util;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** UTF-8 stdout for JSON lines regardless of the platform locale. Lines are flushed immediately. */
public final class Out {
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    private Out() {
    }

    public static synchronized void line(String s) {
        OUT.println(s);
        OUT.flush();
    }

    public static void json(Object o) {
        line(Json.write(o));
    }
}
