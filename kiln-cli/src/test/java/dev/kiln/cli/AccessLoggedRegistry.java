package dev.kiln.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's docker-registry on 127.0.0.1 (plain HTTP) with its access log on, so a test can
 * see every request a build made: which blobs were downloaded, checked, mounted or uploaded.
 * The lab registry of kiln-testkit turns the access log off; this one is for the cache tests.
 * Started and stopped by the test (by PID); its storage lives in a directory the test gives.
 */
final class AccessLoggedRegistry implements AutoCloseable {
    /** One logged request: method, path (with query), status and response bytes. */
    record Request(String method, String path, int status, long bytes) {
        boolean isBlobGet() {
            return method.equals("GET") && path.contains("/blobs/sha256:");
        }

        /** The digest of a blob request, or "" for other requests. */
        String blobDigest() {
            int i = path.indexOf("/blobs/sha256:");
            return i < 0 ? "" : path.substring(i + "/blobs/".length()).replaceFirst("[?].*", "");
        }
    }

    private static final Pattern LINE = Pattern.compile("\"([A-Z]+) (\\S+) HTTP/[0-9.]+\" (\\d{3}) (\\d+)");
    private final Path dir;
    private final Process process;
    private final int port;

    private AccessLoggedRegistry(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    static AccessLoggedRegistry start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("storage"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: kiln-cache-test\n");
        Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("access.log").toFile())).start();
        AccessLoggedRegistry r = new AccessLoggedRegistry(dir, p, port);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return r;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(50);
            }
        }
        r.close();
        throw new IOException("docker-registry did not start: " + Files.readString(dir.resolve("access.log")));
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    String reference(String repoAndTag) {
        return host() + "/" + repoAndTag;
    }

    /** Every request logged so far, in order. */
    List<Request> requests() throws IOException {
        List<Request> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("access.log"))) {
            if (line.startsWith("time=")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3)), Long.parseLong(m.group(4))));
            }
        }
        return out;
    }

    /** GETs a manifest or blob, for checks. */
    byte[] get(String path, String accept) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host() + path));
            if (accept != null) {
                b.header("Accept", accept);
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + path + " answered " + r.statusCode());
            }
            return r.body();
        }
    }

    @Override
    public void close() {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
