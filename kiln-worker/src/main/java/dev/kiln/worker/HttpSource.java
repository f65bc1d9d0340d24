package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.llb.SourceOp;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code http://} and {@code https://} sources (ADD of a URL): downloads the URL into a
 * tree holding one file, as BuildKit does: named by the {@code http.filename} attribute (the
 * frontend takes it from the URL path), else by the response's Content-Disposition, else
 * {@code __unnamed__}; mode 0600; modification time from Last-Modified. With
 * {@code http.checksum} ({@code sha256:…}) the content must have that digest, and that digest
 * is the cache key without any request; without it the key is the digest of what the server
 * returns now, so a changed file is fetched again while an unchanged one hits the cache.
 *
 * <p>One per worker; thread-safe. A download made to compute a key is kept (in
 * {@code STATE/downloads}) until the op runs or the next download of the same op replaces it.
 */
final class HttpSource {
    static final String ATTR_CHECKSUM = "http.checksum";
    static final String ATTR_FILENAME = "http.filename";
    private static final Pattern DISPOSITION = Pattern.compile("(?i)filename\\*?=(?:UTF-8'')?\"?([^\";]+)\"?");

    private record Download(Path file, String filename, Digest digest, Optional<FileTime> mtime) {}

    private final Path dir;
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final Map<Digest, Download> fetched = new ConcurrentHashMap<>();

    HttpSource(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    static boolean handles(SourceOp s) {
        return s.scheme().equalsIgnoreCase("http") || s.scheme().equalsIgnoreCase("https");
    }

    /** The cache key of the op: the pinned checksum's, or the digest of the content served now. */
    Digest cacheKey(SourceOp s, Digest opKey) {
        if (s.attrs().containsKey(ATTR_CHECKSUM)) {
            return opKey;
        }
        Download d = download(s);
        Download old = fetched.put(opKey, d);
        if (old != null) {
            deleteQuietly(old.file());
        }
        return Digest.sha256((opKey + "\n" + d.digest()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Fetches (or takes the download made for the key) and commits it as a one-file tree. */
    Result run(SourceOp s, Digest opKey, Trees trees) throws IOException {
        Download d = fetched.remove(opKey);
        if (d == null) {
            d = download(s);
        }
        try (Trees.ActiveTree t = trees.prepare(Result.EMPTY)) {
            Path target = t.root().resolve(d.filename());
            Files.copy(d.file(), target, StandardCopyOption.REPLACE_EXISTING);
            Files.setAttribute(target, "unix:mode", 0600);
            if (d.mtime().isPresent()) {
                Files.setLastModifiedTime(target, d.mtime().get());
            }
            return t.commit();
        } finally {
            deleteQuietly(d.file());
        }
    }

    private Download download(SourceOp s) {
        String url = s.identifier();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "download", ".tmp");
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).GET().build();
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha = MessageDigest.getInstance(algorithm(s.attrs().get(ATTR_CHECKSUM)));
            try (InputStream in = resp.body()) {
                if (resp.statusCode() / 100 != 2) {
                    throw new KilnException("invalid response status " + resp.statusCode() + " fetching " + url);
                }
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        sha.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
            }
            String algo = sha.getAlgorithm().toLowerCase(java.util.Locale.ROOT).replace("-", "");
            String got = algo + ":" + HexFormat.of().formatHex(sha.digest());
            String want = s.attrs().get(ATTR_CHECKSUM);
            if (want != null && !want.equals(got)) {
                throw new KilnException("digest mismatch for " + url + ": expected " + want + ", got " + got);
            }
            String name = s.attrs().getOrDefault(ATTR_FILENAME, "");
            if (name.isEmpty()) {
                name = resp.headers().firstValue("Content-Disposition").map(HttpSource::dispositionName).orElse("");
            }
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                name = "__unnamed__";
            }
            Optional<FileTime> mtime = resp.headers().firstValue("Last-Modified").flatMap(HttpSource::httpDate);
            Digest digest = Digest.parse("sha256:" + sha256(tmp));
            return new Download(tmp, name, digest, mtime);
        } catch (IOException | NoSuchAlgorithmException | IllegalArgumentException e) {
            deleteQuietly(tmp);
            throw new KilnException("failed to fetch " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            deleteQuietly(tmp);
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while fetching " + url, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static String algorithm(String checksum) {
        if (checksum == null || checksum.startsWith("sha256:")) {
            return "SHA-256";
        }
        return checksum.startsWith("sha384:") ? "SHA-384" : "SHA-512";
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The base name in a Content-Disposition header, or "". */
    static String dispositionName(String header) {
        Matcher m = DISPOSITION.matcher(header);
        if (!m.find()) {
            return "";
        }
        String name = java.net.URLDecoder.decode(m.group(1).trim(), java.nio.charset.StandardCharsets.UTF_8);
        return name.substring(name.lastIndexOf('/') + 1);
    }

    static Optional<FileTime> httpDate(String value) {
        try {
            return Optional.of(FileTime.from(ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover temp file in STATE/downloads is harmless
            }
        }
    }
}
