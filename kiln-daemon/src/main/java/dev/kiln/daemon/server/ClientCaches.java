package dev.kiln.daemon.server;

import dev.kiln.common.KilnException;
import dev.kiln.common.files.FileTrees;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.daemon.api.DockerfileFrontend;
import dev.kiln.daemon.context.ContextCopy;
import dev.kiln.daemon.context.ContextStore;
import dev.kiln.export.cache.CacheSpec;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.session.ClientOutput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code type=local} caches of one daemon build, which live on the client's machine, as
 * daemonless {@code --cache-from type=local,src=DIR} and {@code --cache-to type=local,dest=DIR}
 * read and write them there; the daemon never opens the client's path on its own machine.
 *
 * <p>Import: the client offers {@code src} as session directory {@code cache-from-I} (I: the
 * entry's index in the request); the daemon syncs it into a {@link ContextCopy} kept under its
 * state dir (only new or changed files travel, as for the context) and the engine imports from
 * that copy. A source the client does not offer (not a directory there) is a warning, as a
 * daemonless unreadable source is. Export: the engine writes the cache into a staging directory
 * of the daemon's; {@link #send} then streams it to the client as a directory output numbered
 * {@code outputs + K} (K: the entry's index among the local {@code --cache-to} entries), which
 * the client unpacks beside {@code dest} and renames over it: an existing dest is replaced, as
 * the daemonless export replaces it.
 *
 * <p>Lifecycle: {@link #prepare} before the build (returns holding the copies' read locks, so the
 * tree stays as synced while the build's lazy blobs read it), {@link #send} after it succeeded,
 * {@link #close} always (unlocks, deletes the staging directories). Used by one build thread.
 */
final class ClientCaches implements AutoCloseable {
    /** The attribute naming a local cache on the client, shown in progress instead of the daemon's path. */
    static final String CLIENT_PATH = "client-path";
    private final List<CacheSpec> from = new ArrayList<>();
    private final List<CacheSpec> to = new ArrayList<>();
    private final List<ContextCopy> locked = new ArrayList<>();
    private final List<Path> staged = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();

    /** A staged export waiting to be sent: output number {@code index} of the session. */
    private record Pending(int index, Path dir, String clientPath) {}

    private ClientCaches() {}

    /** Syncs the client's local cache sources and stages its local cache destinations. */
    static ClientCaches prepare(DockerfileFrontend df, int outputCount, AttachedSession session, ContextStore contexts,
                                BuildTrace trace, DaemonMetrics metrics) throws IOException, InterruptedException {
        ClientCaches c = new ClientCaches();
        try {
            String host = clientHost(df.getContextKey(), session);
            for (int i = 0; i < df.getCacheFromCount(); i++) {
                var o = df.getCacheFrom(i);
                CacheSpec spec = new CacheSpec(o.getType(), o.getAttrsMap());
                if (!spec.type().equals("local")) {
                    c.from.add(spec);
                    continue;
                }
                String src = o.getAttrsOrDefault("src", "");
                String dir = "cache-from-" + i;
                String vertex = "kilnd:" + dir;
                if (!session.dirs().contains(dir)) {
                    Instant now = Instant.now();
                    trace.accept(new ProgressEvent.Started(vertex, "[internal] transfer cache " + src, now));
                    trace.accept(new ProgressEvent.Warning(vertex, "cannot import cache from " + src
                            + ": not a directory on the client", now));
                    trace.accept(new ProgressEvent.Completed(vertex, "[internal] transfer cache " + src, now, now, null));
                    continue;
                }
                ContextCopy copy = contexts.copy("cache-from:" + host + ":" + src);
                DaemonBuild.transfer(copy, session, dir, vertex, "[internal] transfer cache " + src, trace, metrics);
                c.locked.add(copy);
                c.from.add(new CacheSpec("local", with(spec.attrs(), "src", copy.tree().toString(), src)));
            }
            int k = 0;
            for (var o : df.getCacheToList()) {
                CacheSpec spec = new CacheSpec(o.getType(), o.getAttrsMap());
                if (!spec.type().equals("local")) {
                    c.to.add(spec);
                    continue;
                }
                Path stage = Files.createTempDirectory(contexts.scratch(), "cache-to-");
                c.staged.add(stage);
                Path dest = stage.resolve("cache");
                String clientDest = o.getAttrsOrDefault("dest", "");
                c.pending.add(new Pending(outputCount + k++, dest, clientDest));
                c.to.add(new CacheSpec("local", with(spec.attrs(), "dest", dest.toString(), clientDest)));
            }
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The sources for the engine: local ones read from the daemon's copies. */
    List<CacheSpec> from() {
        return List.copyOf(from);
    }

    /** The destinations for the engine: local ones written into staging directories. */
    List<CacheSpec> to() {
        return List.copyOf(to);
    }

    /** Sends each staged export to the client, which puts it at its {@code dest}. */
    void send(AttachedSession session, ProgressSink trace) throws IOException {
        for (Pending p : pending) {
            String vertex = "kilnd:cache-to-" + p.index();
            String name = "sending cache to client " + p.clientPath();
            Instant start = Instant.now();
            trace.accept(new ProgressEvent.Started(vertex, name, start));
            try {
                if (!Files.isDirectory(p.dir())) {
                    throw new IOException("the engine wrote no cache");
                }
                try (ClientOutput.Transfer t = session.output(p.index()).open(ClientOutput.Kind.DIRECTORY)) {
                    OutputStream out = new BufferedOutputStream(t.stream(), 1 << 18);
                    LayerWriter.writeTar(p.dir(), LayerSource.TREE, Optional.empty(), out);
                    out.flush();
                    t.commit();
                }
            } catch (IOException | RuntimeException e) {
                trace.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), String.valueOf(e.getMessage())));
                throw new KilnException("exporting the cache to " + p.clientPath() + " failed: " + e.getMessage(), e);
            }
            trace.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
        }
    }

    @Override
    public void close() {
        for (ContextCopy copy : locked) {
            copy.lock().readLock().unlock();
        }
        locked.clear();
        for (Path p : staged) {
            try {
                FileTrees.deleteRecursively(p);
            } catch (IOException e) {
                // the scratch dir is emptied when the daemon starts
            }
        }
        staged.clear();
    }

    private static Map<String, String> with(Map<String, String> attrs, String key, String value, String clientPath) {
        Map<String, String> out = new LinkedHashMap<>(attrs);
        out.put(key, value);
        out.put(CLIENT_PATH, clientPath);
        return out;
    }

    /** The client's host as its context key names it ({@code host:dir}); else its session. */
    private static String clientHost(String contextKey, AttachedSession session) {
        int colon = contextKey.indexOf(':');
        return colon > 0 ? contextKey.substring(0, colon) : "session:" + session.id();
    }
}
