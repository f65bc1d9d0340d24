package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * kilnd on TCP: mutual TLS with certificates made by openssl (a client with a certificate from
 * the daemon's CA builds; one without a certificate, or with one from another CA, is refused),
 * and plain TCP only with the explicit switch, which prints a warning.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilndTlsIT {
    private static final Pattern LISTEN = Pattern.compile("listening on tcp://127\\.0\\.0\\.1:(\\d+)");
    @TempDir
    static Path tmp;
    Path pki;
    KilndProcess daemon;
    String addr;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(BuildIT.onPath("openssl"), "openssl is not installed");
        pki = Files.createDirectories(tmp.resolve("pki"));
        ca("ca");
        ca("rogue-ca");
        leaf("server", "ca", "subjectAltName=IP:127.0.0.1");
        leaf("client", "ca", "extendedKeyUsage=clientAuth");
        leaf("rogue", "rogue-ca", "extendedKeyUsage=clientAuth");
        daemon = KilndProcess.start(List.of("--config", "/dev/null", "--root", tmp.resolve("state").toString(),
                "--addr", "tcp://127.0.0.1:0", "--tlscert", pki.resolve("server.pem").toString(),
                "--tlskey", pki.resolve("server.key").toString(), "--tlscacert", pki.resolve("ca.pem").toString()));
        Matcher m = LISTEN.matcher(daemon.log());
        assertThat(m.find()).as(daemon.log()).isTrue();
        addr = "tcp://127.0.0.1:" + m.group(1);
    }

    @AfterAll
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        KilnRunner.Run r = BuildIT.exec(pki, cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.all()).isZero();
    }

    void ca(String name) throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".pem");
    }

    void leaf(String name, String ca, String ext) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".csr");
        Files.writeString(pki.resolve(name + ".ext"), ext + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    KilnRunner.Run kiln(String cert, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--addr", addr, "--tlscacert", pki.resolve("ca.pem").toString()));
        if (cert != null) {
            a.addAll(List.of("--tlscert", pki.resolve(cert + ".pem").toString(), "--tlskey", pki.resolve(cert + ".key").toString()));
        }
        a.addAll(List.of(args));
        return KilndProcess.kiln(Map.of(), a);
    }

    @Test
    void aClientWithACertificateFromTheDaemonsCaBuilds() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY f /f\n");
        Files.writeString(ctx.resolve("f"), "over tls\n");
        KilnRunner.Run r = kiln("client", "build", "--progress", "plain", ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.stderr()).contains("transferring context:").contains("writing image sha256:");
    }

    @Test
    void clientsWithoutAValidCertificateAreRefused() throws Exception {
        KilnRunner.Run none = kiln(null, "debug", "info");
        assertThat(none.exit()).as(none.all()).isNotZero();
        assertThat(none.stderr()).contains("kilnd at " + addr);
        KilnRunner.Run rogue = kiln("rogue", "debug", "info");
        assertThat(rogue.exit()).as(rogue.all()).isNotZero();
        KilnRunner.Run good = kiln("client", "debug", "info");
        assertThat(good.exit()).as(good.all()).isZero();
        assertThat(good.stdout()).contains(addr).containsPattern("Snapshotter: +overlay");
    }

    @Test
    void plainTcpNeedsTheExplicitSwitchAndWarns() throws Exception {
        KilndProcess refused = KilndProcess.launch(List.of("--config", "/dev/null", "--root", tmp.resolve("plain").toString(),
                "--addr", "tcp://127.0.0.1:0"));
        assertThat(refused.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.process.exitValue()).isEqualTo(1);
        refused.awaitLog(l -> l.contains("without TLS"), 5);
        try (KilndProcess insecure = KilndProcess.start(List.of("--config", "/dev/null", "--root",
                tmp.resolve("plain").toString(), "--addr", "tcp://127.0.0.1:0", "--insecure-tcp"))) {
            assertThat(insecure.log()).containsPattern("WARNING: tcp://127\\.0\\.0\\.1:\\d+ has no TLS");
            Matcher m = LISTEN.matcher(insecure.log());
            assertThat(m.find()).isTrue();
            KilnRunner.Run r = KilndProcess.kiln(Map.of(), List.of("--addr", "tcp://127.0.0.1:" + m.group(1), "debug", "workers"));
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(r.stdout()).contains("linux/").contains("snapshotter=overlay");
        }
    }
}
