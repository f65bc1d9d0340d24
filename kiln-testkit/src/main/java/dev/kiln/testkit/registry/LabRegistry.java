package dev.kiln.testkit.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real registry for integration tests: Debian's {@code docker-registry} (distribution 2.8)
 * on {@code 127.0.0.1} with a free port and its own temporary storage, in one of three
 * {@link Mode modes}.
 *
 * <p>Use it as a JUnit 5 extension on a static field, which starts the registry before the
 * first test of the class and stops it after the last:
 * <pre>{@code
 * @RegisterExtension static final LabRegistry REGISTRY = LabRegistry.tlsBasic();
 * }</pre>
 * or as a closeable outside JUnit ({@link #start()} then {@link #close()}). When
 * {@code /usr/bin/docker-registry} is missing, {@link #beforeAll} aborts the class with a
 * JUnit assumption (tests are skipped, not failed). {@link #close()} stops the process it
 * started, by its PID, and deletes the temporary directory.
 */
public final class LabRegistry implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    /** The registry binary of Debian's {@code docker-registry} package. */
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");
    /** The user that the authenticated modes accept. */
    public static final String USERNAME = "kiln";
    /** The password of {@link #USERNAME}. */
    public static final String PASSWORD = "kiln-lab-secret";

    /** How the registry authenticates its clients. */
    public enum Mode {
        /** Plain HTTP, no authentication. */
        PLAIN,
        /** HTTPS with a certificate from a lab CA, and htpasswd Basic auth. */
        TLS_BASIC,
        /** Plain HTTP with distribution token auth against an in-process {@link LabTokenServer}. */
        TOKEN
    }

    private final Mode mode;
    private Path dir;
    private Process process;
    private int port;
    private Path caCert;
    private LabTokenServer tokenServer;

    private LabRegistry(Mode mode) {
        this.mode = mode;
    }

    public static LabRegistry plain() {
        return new LabRegistry(Mode.PLAIN);
    }

    public static LabRegistry tlsBasic() {
        return new LabRegistry(Mode.TLS_BASIC);
    }

    public static LabRegistry token() {
        return new LabRegistry(Mode.TOKEN);
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Assumptions.assumeTrue(available(), "docker-registry is not installed at " + BINARY
                + " (apt-get install docker-registry); skipping registry integration tests");
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts the registry and waits until {@code GET /v2/} answers. Idempotent. */
    public synchronized LabRegistry start() throws IOException, InterruptedException {
        if (process != null) {
            return this;
        }
        try {
            return startProcess();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private LabRegistry startProcess() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("kiln-lab-registry-");
        Files.createDirectories(dir.resolve("storage"));
        String tls = "";
        String auth = "";
        if (mode == Mode.TLS_BASIC) {
            LabCertificates.ServerTls files = LabCertificates.serverTls(dir);
            caCert = files.caCert();
            tls = "  tls:\n    certificate: " + files.serverCert() + "\n    key: " + files.serverKey() + "\n";
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, run("htpasswd", "-Bbn", USERNAME, PASSWORD));
            auth = "auth:\n  htpasswd:\n    realm: kiln-lab\n    path: " + htpasswd + "\n";
        } else if (mode == Mode.TOKEN) {
            LabCertificates.SigningKey key = LabCertificates.tokenSigner(dir);
            tokenServer = new LabTokenServer(key, USERNAME, PASSWORD);
            auth = "auth:\n  token:\n    realm: " + tokenServer.realm() + "\n    service: " + LabTokenServer.SERVICE
                    + "\n    issuer: " + LabTokenServer.ISSUER + "\n    rootcertbundle: " + key.cert() + "\n";
        }
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            port = freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, "version: 0.1\n"
                    + "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                    + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n"
                    + "  delete:\n    enabled: true\n"
                    + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: kiln-lab-http-secret\n" + tls
                    + auth);
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
                    .start();
            process.getOutputStream().close();
            try {
                awaitReady();
                return this;
            } catch (IOException e) {
                last = e;
                stopProcess();
            }
        }
        throw last;
    }

    private void awaitReady() throws IOException, InterruptedException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (caCert != null) {
            builder.sslContext(sslContext());
        }
        try (HttpClient http = builder.build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("docker-registry exited with " + process.exitValue() + ": " + log());
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200 || r.statusCode() == 401) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(50);
            }
        }
        throw new IOException("docker-registry did not answer GET /v2/ within 20 s: " + log());
    }

    /** An SSL context that trusts exactly the lab CA (TLS mode only). */
    public SSLContext sslContext() {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (var in = Files.newInputStream(caCert)) {
                trust.setCertificateEntry("kiln-lab-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the lab CA " + caCert, e);
        }
    }

    public Mode mode() {
        return mode;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}, the registry host as it appears in an image reference. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** {@code https://127.0.0.1:PORT} in TLS mode, else {@code http://…}. */
    public String baseUrl() {
        return (mode == Mode.TLS_BASIC ? "https://" : "http://") + host();
    }

    /** {@code HOST/REPO_AND_TAG}, e.g. {@code reference("app:1")} is {@code 127.0.0.1:PORT/app:1}. */
    public String reference(String repositoryAndTag) {
        return host() + "/" + repositoryAndTag;
    }

    /** The lab CA certificate (PEM); null unless in TLS mode. */
    public Path caCert() {
        return caCert;
    }

    /**
     * A directory in docker's {@code certs.d} layout that holds the lab CA as
     * {@code HOST:PORT/ca.crt} (created on first call; TLS mode only).
     */
    public Path certsDir() throws IOException {
        if (caCert == null) {
            throw new IllegalStateException("the registry runs in " + mode + " mode and has no CA");
        }
        Path certs = dir.resolve("certs.d");
        Path hostDir = certs.resolve(host());
        Files.createDirectories(hostDir);
        Files.copy(caCert, hostDir.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return certs;
    }

    /** The directory that holds the registry's blobs and repositories. */
    public Path storageDir() {
        return dir.resolve("storage");
    }

    /** The token endpoint (token mode only). */
    public String tokenRealm() {
        return tokenServer == null ? null : tokenServer.realm();
    }

    /** How many requests the token server answered so far (token mode only; else 0). */
    public int tokenRequestCount() {
        return tokenServer == null ? 0 : tokenServer.requestCount();
    }

    /** What the registry printed so far (warnings and errors only). */
    public String log() {
        try {
            Path log = dir.resolve("registry.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read registry.log: " + e + ")";
        }
    }

    private void stopProcess() {
        if (process == null) {
            return;
        }
        ProcessHandle handle = ProcessHandle.of(process.pid()).orElse(null);
        if (handle != null) {
            handle.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    handle.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                handle.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        process = null;
    }

    @Override
    public synchronized void close() {
        stopProcess();
        if (tokenServer != null) {
            tokenServer.close();
            tokenServer = null;
        }
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: a temp dir
            }
            dir = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue());
        }
        return out;
    }
}
