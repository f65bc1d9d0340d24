package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.common.Digest;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.registry.errors.DigestMismatchException;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.registry.transport.RetryPolicy;
import dev.kiln.session.credentials.CredentialSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blob downloads against a fake registry that drops connections mid-stream or serves bad bytes. */
class BlobDownloadTest {
    /** How the fake answers a blob GET: the request number (from 1), the Range header or null. */
    @FunctionalInterface
    interface BlobBehaviour {
        void serve(HttpExchange ex, int n, String range) throws IOException;
    }

    @TempDir
    Path tmp;
    private HttpServer server;
    private final byte[] blob = new byte[300_000];
    private Descriptor descriptor;
    private volatile BlobBehaviour behaviour;
    private final AtomicInteger blobRequests = new AtomicInteger();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private RegistryClient client;
    private String host;

    @BeforeEach
    void start() throws IOException {
        new Random(42).nextBytes(blob);
        descriptor = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob), blob.length);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                if (ex.getRequestURI().getPath().equals("/v2/")) {
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                String range = ex.getRequestHeaders().getFirst("Range");
                ranges.add(String.valueOf(range));
                behaviour.serve(ex, blobRequests.incrementAndGet(), range);
            }
        });
        server.start();
        host = "127.0.0.1:" + server.getAddress().getPort();
        client = new RegistryClient(RegistryHosts.builder().plainHttp(host).build(), CredentialSource.anonymous(),
                new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5)), 2);
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private void sendFrom(HttpExchange ex, int status, int from, int upTo) throws IOException {
        if (status == 206) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length);
        }
        ex.sendResponseHeaders(status, blob.length - from);
        ex.getResponseBody().write(blob, from, upTo - from);
        ex.getResponseBody().flush();
    }

    private boolean fetch(FileContentStore store) {
        return client.fetchBlob(ImageReference.parse(host + "/app:1"), descriptor, store, TransferListener.none());
    }

    @Test
    void aDroppedDownloadResumesWithARangeRequest() throws IOException {
        behaviour = (ex, n, range) -> {
            if (n == 1) {
                sendFrom(ex, 200, 0, 100_000);
                throw new IOException("drop the connection mid-stream");
            }
            int from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            sendFrom(ex, 206, from, blob.length);
        };
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        assertThat(fetch(store)).isTrue();
        assertThat(store.readAll(descriptor.digestValue())).isEqualTo(blob);
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(0)).isEqualTo("null");
        assertThat(ranges.get(1)).matches("bytes=\\d+-").isNotEqualTo("bytes=0-");
        assertThat(fetch(store)).as("present now").isFalse();
        assertThat(blobRequests).hasValue(2);
    }

    @Test
    void aRegistryThatIgnoresRangeIsReadFromTheStartAgain() throws IOException {
        behaviour = (ex, n, range) -> {
            if (n == 1) {
                sendFrom(ex, 200, 0, 50_000);
                throw new IOException("drop");
            }
            sendFrom(ex, 200, 0, blob.length);
        };
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        assertThat(fetch(store)).isTrue();
        assertThat(store.readAll(descriptor.digestValue())).isEqualTo(blob);
    }

    @Test
    void wrongBytesAreRejectedAndNothingIsStored() throws IOException {
        byte[] bad = blob.clone();
        bad[7] ^= 1;
        behaviour = (ex, n, range) -> {
            ex.sendResponseHeaders(200, bad.length);
            ex.getResponseBody().write(bad);
        };
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        assertThatThrownBy(() -> fetch(store))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.expected()).isEqualTo(descriptor.digestValue());
                    assertThat(e.actual()).isEqualTo(Digest.sha256(bad));
                })
                .hasMessageContaining("expected " + descriptor.digest());
        assertThat(store.exists(Digest.sha256(bad))).as("the wrong bytes are not stored under their own digest").isFalse();
        assertThat(store.exists(descriptor.digestValue())).isFalse();
        try (var ingest = java.nio.file.Files.list(tmp.resolve("store/ingest"))) {
            assertThat(ingest).as("no temp file left behind").isEmpty();
        }
    }

    @Test
    void givesUpAfterTheRetryPolicysTries() throws IOException {
        behaviour = (ex, n, range) -> {
            // headers and one byte always reach the client before the drop, so every try is a download
            // cut mid-stream (with no bytes sent, the JDK client may itself resend the GET once)
            int from = range == null ? 0 : Integer.parseInt(range.substring(6, range.indexOf('-')));
            sendFrom(ex, range == null ? 200 : 206, from, from + 1);
            throw new IOException("always drop");
        };
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        assertThatThrownBy(() -> fetch(store)).hasMessageContaining("failed after 4 tries");
        assertThat(blobRequests).hasValue(4);
    }
}
