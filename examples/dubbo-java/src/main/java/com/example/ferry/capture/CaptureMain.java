package com.example.ferry.capture;

import com.example.ferry.util.Args;
import com.example.ferry.util.Json;
import com.example.ferry.util.Out;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Transparent TCP proxy that records every Dubbo frame (16-byte header + body) going through it, one file per frame.
 *
 * <pre>
 * java -jar ferry-dubbo-peers-3.3.jar capture --listen 30880 --target 127.0.0.1:20880 --out DIR
 * </pre>
 * Prints "FERRY_CAPTURE_READY port=30880" when listening. Files: DIR/NNNN-c2s-req-Service.method.bin,
 * DIR/NNNN-s2c-res-Service.method-status20-flag4.bin, DIR/NNNN-c2s-heartbeat-req.bin ..., plus DIR/index.jsonl
 * (one JSON object per frame: seq, dir, file, id, flag, status, bodyLength, label, and for requests the decoded
 * dubboVersion/path/version/method/desc).
 */
public final class CaptureMain {
    private static final AtomicInteger SEQ = new AtomicInteger();
    /** request id -> label of the request, to name the matching response */
    private static final Map<Long, String> REQUESTS = new ConcurrentHashMap<>();

    private CaptureMain() {
    }

    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv);
        int listen = a.getInt("listen", 30880);
        String[] target = a.get("target", "127.0.0.1:20880").split(":");
        Path out = Paths.get(a.get("out", "capture"));
        Files.createDirectories(out);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen));
            Out.line("FERRY_CAPTURE_READY port=" + server.getLocalPort());
            while (true) {
                Socket client = server.accept();
                Socket upstream = new Socket(target[0], Integer.parseInt(target[1]));
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pump(client, upstream, "c2s", out);
                pump(upstream, client, "s2c", out);
            }
        }
    }

    private static void pump(Socket from, Socket to, String dir, Path out) {
        Thread t = new Thread(() -> {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    os.write(buf, 0, n);
                    os.flush();
                    pending.write(buf, 0, n);
                    byte[] data = pending.toByteArray();
                    int off = 0;
                    while (data.length - off >= 16) {
                        if ((data[off] & 0xff) != 0xda || (data[off + 1] & 0xff) != 0xbb) {
                            // not a dubbo frame (telnet?): dump the rest raw and resync on nothing
                            write(out, dir, "raw", java.util.Arrays.copyOfRange(data, off, data.length), Json.obj());
                            off = data.length;
                            break;
                        }
                        int len = ((data[off + 12] & 0xff) << 24) | ((data[off + 13] & 0xff) << 16)
                                | ((data[off + 14] & 0xff) << 8) | (data[off + 15] & 0xff);
                        if (data.length - off < 16 + len) break;
                        byte[] frame = java.util.Arrays.copyOfRange(data, off, off + 16 + len);
                        onFrame(out, dir, frame);
                        off += 16 + len;
                    }
                    pending.reset();
                    pending.write(data, off, data.length - off);
                }
            } catch (IOException e) {
                // connection closed
            } finally {
                try {
                    from.close();
                } catch (IOException ignored) {
                }
                try {
                    to.close();
                } catch (IOException ignored) {
                }
            }
        }, "capture-" + dir);
        t.setDaemon(true);
        t.start();
    }

    private static void onFrame(Path out, String dir, byte[] f) {
        int flag = f[2] & 0xff;
        int status = f[3] & 0xff;
        long id = 0;
        for (int i = 4; i < 12; i++) id = (id << 8) | (f[i] & 0xff);
        int len = f.length - 16;
        boolean req = (flag & 0x80) != 0;
        boolean event = (flag & 0x20) != 0;
        Map<String, Object> meta = Json.obj("id", id, "flag", String.format("0x%02x", flag), "status", status,
                "serialization", flag & 0x1f, "bodyLength", len, "twoWay", (flag & 0x40) != 0, "event", event);
        String label;
        if (event) {
            boolean hb = len == 1 && f[16] == 'N';
            label = (hb ? "heartbeat" : "event") + (req ? "-req" : "-res");
        } else if (req) {
            Hessian h = new Hessian(f, 16);
            String dubbo = h.string();
            String path = h.string();
            String version = h.string();
            String method = h.string();
            String desc = h.string();
            meta.put("dubboVersion", dubbo);
            meta.put("path", path);
            meta.put("version", version);
            meta.put("method", method);
            meta.put("desc", desc);
            String simple = path == null ? "?" : path.substring(path.lastIndexOf('.') + 1);
            label = "req-" + simple + "." + method;
            if ("$invoke".equals(method) || "$invokeAsync".equals(method)) {
                String target = h.string();
                meta.put("genericMethod", target);
                label += "-" + target;
            }
            REQUESTS.put(id, simple + "." + (label.substring(label.indexOf('.') + 1)));
        } else {
            String r = REQUESTS.getOrDefault(id, "unknown");
            int b = len > 0 ? f[16] & 0xff : -1;
            String flagPart = status == 20 && b >= 0x90 && b <= 0x95 ? "-flag" + (b - 0x90) : "";
            if (!flagPart.isEmpty()) meta.put("responseFlag", b - 0x90);
            label = "res-" + r + "-status" + status + flagPart;
        }
        write(out, dir, label, f, meta);
    }

    private static synchronized void write(Path out, String dir, String label, byte[] bytes, Map<String, Object> meta) {
        int seq = SEQ.incrementAndGet();
        String file = String.format("%04d-%s-%s.bin", seq, dir, label.replaceAll("[^A-Za-z0-9._#()$,-]", "_"));
        try {
            Files.write(out.resolve(file), bytes);
            Map<String, Object> line = Json.obj("seq", seq, "dir", dir, "file", file, "label", label);
            line.putAll(meta);
            Files.write(out.resolve("index.jsonl"), (Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("capture write failed: " + e);
        }
    }

    /** Just enough Hessian 2 to read the leading strings of a Dubbo request body. */
    static final class Hessian {
        private final byte[] b;
        private int p;

        Hessian(byte[] b, int p) {
            this.b = b;
            this.p = p;
        }

        String string() {
            if (p >= b.length) return null;
            int t = b[p++] & 0xff;
            if (t == 'N') return null;
            StringBuilder sb = new StringBuilder();
            while (true) {
                int n;
                boolean last = true;
                if (t <= 0x1f) n = t;
                else if (t >= 0x30 && t <= 0x33) n = ((t - 0x30) << 8) | (b[p++] & 0xff);
                else if (t == 'S' || t == 'R') {
                    n = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
                    p += 2;
                    last = t == 'S';
                } else {
                    p--;
                    return null; // not a string
                }
                for (int i = 0; i < n; i++) sb.append(readChar());
                if (last) return sb.toString();
                t = b[p++] & 0xff;
            }
        }

        private char readChar() {
            int c = b[p++] & 0xff;
            if (c < 0x80) return (char) c;
            if ((c & 0xe0) == 0xc0) return (char) (((c & 0x1f) << 6) | (b[p++] & 0x3f));
            int c2 = b[p++] & 0x3f;
            int c3 = b[p++] & 0x3f;
            return (char) (((c & 0x0f) << 12) | (c2 << 6) | c3);
        }
    }
}
