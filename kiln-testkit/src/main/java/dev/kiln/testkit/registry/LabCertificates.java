package dev.kiln.testkit.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the key material a {@link LabRegistry} needs with the {@code openssl} command: a
 * throw-away CA, a server certificate for {@code 127.0.0.1}/{@code localhost} signed by it,
 * and a self-signed certificate whose key signs tokens. Everything lives in a directory the
 * caller owns and deletes.
 */
final class LabCertificates {
    private LabCertificates() {}

    /** The CA and server files written by {@link #serverTls}. */
    record ServerTls(Path caCert, Path serverCert, Path serverKey) {}

    /** The token-signing key pair written by {@link #tokenSigner}. */
    record SigningKey(Path cert, PrivateKey privateKey, X509Certificate certificate) {}

    static ServerTls serverTls(Path dir) throws IOException {
        Path caKey = dir.resolve("ca.key");
        Path caCert = dir.resolve("ca.crt");
        Path key = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        Path cert = dir.resolve("server.crt");
        Path ext = dir.resolve("server.ext");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                "-subj", "/CN=Kiln lab CA", "-keyout", caKey.toString(), "-out", caCert.toString());
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-sha256",
                "-subj", "/CN=127.0.0.1", "-keyout", key.toString(), "-out", csr.toString());
        Files.writeString(ext, """
                basicConstraints=CA:FALSE
                keyUsage=digitalSignature,keyEncipherment
                extendedKeyUsage=serverAuth
                subjectAltName=IP:127.0.0.1,DNS:localhost
                """);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-sha256", "-extfile", ext.toString(), "-out", cert.toString());
        return new ServerTls(caCert, cert, key);
    }

    static SigningKey tokenSigner(Path dir) throws IOException {
        Path key = dir.resolve("token-signer.key");
        Path cert = dir.resolve("token-signer.crt");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                "-subj", "/CN=Kiln lab token issuer", "-keyout", key.toString(), "-out", cert.toString());
        try {
            byte[] der = pemBody(Files.readString(key), "PRIVATE KEY");
            PrivateKey privateKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            X509Certificate certificate;
            try (var in = Files.newInputStream(cert)) {
                certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            return new SigningKey(cert, privateKey, certificate);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot load the token signing key made by openssl", e);
        }
    }

    private static byte[] pemBody(String pem, String type) throws IOException {
        String begin = "-----BEGIN " + type + "-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END " + type + "-----");
        if (start < 0 || end < 0) {
            throw new IOException("expected a PEM " + type);
        }
        return Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}
