package dev.kiln.registry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.kiln.common.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * certs.d TLS settings against an in-process HTTPS server that requires a client
 * certificate; keys and certificates are made with openssl.
 */
class TlsContextsTest {
    @TempDir
    Path tmp;
    private HttpsServer server;
    private String host;
    private Path hostDir;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), out).isZero();
    }

    @BeforeEach
    void start() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA", "-keyout", "ca.key", "-out", "ca.crt");
        Files.writeString(tmp.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(tmp.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
                "-extfile", "server.ext", "-out", "server.crt");
        openssl("pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key", "-passout", "pass:pw", "-out", "server.p12");
        openssl("genrsa", "-traditional", "-out", "client.key", "2048");
        openssl("req", "-new", "-key", "client.key", "-subj", "/CN=kiln-client", "-out", "client.csr");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
                "-extfile", "client.ext", "-out", "client.cert");
        assertThat(Files.readString(tmp.resolve("client.key"))).contains("BEGIN RSA PRIVATE KEY");

        KeyStore serverKeys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tmp.resolve("server.p12"))) {
            serverKeys.load(in, "pw".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverKeys, "pw".toCharArray());
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(tmp.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                var p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", ex -> {
            String who = ((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName();
            byte[] body = who.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        host = "127.0.0.1:" + server.getAddress().getPort();
        hostDir = tmp.resolve("certs.d").resolve(host);
        Files.createDirectories(hostDir);
        Files.copy(tmp.resolve("ca.crt"), hostDir.resolve("ca.crt"));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String get() throws IOException, InterruptedException {
        RegistryHosts hosts = RegistryHosts.builder().certsDir(tmp.resolve("certs.d")).build();
        try (HttpClients clients = new HttpClients(hosts)) {
            return clients.forHost(host).send(HttpRequest.newBuilder(URI.create("https://" + host + "/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void presentsTheClientCertificateFromCertsD() throws Exception {
        Files.copy(tmp.resolve("client.cert"), hostDir.resolve("client.cert"));
        Files.copy(tmp.resolve("client.key"), hostDir.resolve("client.key"));
        assertThat(get()).isEqualTo("CN=kiln-client");
    }

    @Test
    void withoutTheClientCertificateTheHandshakeFails() {
        assertThatThrownBy(this::get).isInstanceOf(IOException.class);
    }

    @Test
    void aClientCertificateWithoutItsKeyIsAClearError() throws Exception {
        Files.copy(tmp.resolve("client.cert"), hostDir.resolve("client.cert"));
        assertThatThrownBy(this::get).isInstanceOf(KilnException.class)
                .hasMessageContaining("client certificate").hasMessageContaining("has no key");
    }
}
