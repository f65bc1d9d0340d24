package dev.kiln.registry.transport;

import dev.kiln.common.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the {@link SSLContext} for one registry host from docker's {@code certs.d} layout:
 * the JDK's trusted CAs plus {@code DIR/HOST/*.crt} and the host's configured CA files, and a client certificate from
 * {@code *.cert} + {@code *.key} (PEM; the key in PKCS#8, or PKCS#1 for RSA). For an insecure
 * host the context trusts any certificate and skips the host name check.
 */
final class TlsContexts {
    private TlsContexts() {}

    static SSLContext forHost(Path certsDir, String host, boolean insecure) {
        return forHost(certsDir, host, insecure, List.of());
    }

    /** As {@link #forHost(Path, String, boolean)}, also trusting the CAs in the PEM files {@code extraCaFiles}. */
    static SSLContext forHost(Path certsDir, String host, boolean insecure, List<Path> extraCaFiles) {
        try {
            Path dir = certsDir.resolve(host);
            List<X509Certificate> cas = new ArrayList<>();
            for (Path f : extraCaFiles) {
                try {
                    cas.addAll(readCertificates(f));
                } catch (IOException | GeneralSecurityException e) {
                    throw new IOException("CA file " + f + ": " + e.getMessage(), e);
                }
            }
            KeyManagerFactory keys = null;
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (name.endsWith(".crt")) {
                            cas.addAll(readCertificates(f));
                        } else if (name.endsWith(".cert")) {
                            Path key = dir.resolve(name.substring(0, name.length() - 5) + ".key");
                            if (!Files.exists(key)) {
                                throw new IOException("client certificate " + f + " has no key " + key);
                            }
                            keys = clientKey(readCertificates(f), Files.readString(key), key);
                        }
                    }
                }
            }
            TrustManager[] trust = insecure ? new TrustManager[] {new TrustAnything()} : trustManagers(cas);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys == null ? null : keys.getKeyManagers(), trust, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new KilnException("cannot set up TLS for registry " + host + " from "
                    + certsDir.resolve(host) + ": " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(List<X509Certificate> extraCas) throws GeneralSecurityException, IOException {
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        if (extraCas.isEmpty()) {
            return system.getTrustManagers();
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("system-" + i++, c);
                }
            }
        }
        for (X509Certificate c : extraCas) {
            store.setCertificateEntry("certs.d-" + i++, c);
        }
        TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        combined.init(store);
        return combined.getTrustManagers();
    }

    private static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(pem)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    private static KeyManagerFactory clientKey(List<X509Certificate> chain, String keyPem, Path keyFile)
            throws GeneralSecurityException, IOException {
        byte[] pkcs8;
        if (keyPem.contains("-----BEGIN PRIVATE KEY-----")) {
            pkcs8 = pemBody(keyPem, "PRIVATE KEY");
        } else if (keyPem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            pkcs8 = wrapPkcs1(pemBody(keyPem, "RSA PRIVATE KEY"));
        } else {
            throw new IOException(keyFile + ": unsupported key format (want PKCS#8 'PRIVATE KEY' or 'RSA PRIVATE KEY' PEM)");
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException notRsa) {
            key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf;
    }

    private static byte[] pemBody(String pem, String type) throws IOException {
        String begin = "-----BEGIN " + type + "-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END " + type + "-----");
        if (start < 0 || end < start) {
            throw new IOException("no PEM " + type + " block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key as an OCTET STRING). */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        byte[] len;
        if (content.length < 0x80) {
            len = new byte[] {(byte) content.length};
        } else {
            byte[] n = BigInteger.valueOf(content.length).toByteArray();
            int skip = n[0] == 0 ? 1 : 0;
            len = new byte[n.length - skip + 1];
            len[0] = (byte) (0x80 | (n.length - skip));
            System.arraycopy(n, skip, len, 1, n.length - skip);
        }
        byte[] out = new byte[1 + len.length + content.length];
        out[0] = (byte) tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, content.length);
        return out;
    }

    /** Accepts every certificate and, being an extended trust manager, skips the host name check. */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
