package dev.kiln.engine;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.session.IgnorePatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * The first vertices the reference shows for every build, before any step: loading the build
 * definition ({@code #1 [internal] load build definition from Dockerfile}, {@code #1
 * transferring dockerfile: 89B done}) and, when there is one, the {@code .dockerignore}. In
 * daemonless mode nothing is transferred, but the sizes are what a client would send.
 */
final class DefinitionProgress {
    private DefinitionProgress() {}

    static void report(ProgressSink progress, Path context, Path dockerfile) {
        Path df = dockerfile != null ? dockerfile : context.resolve("Dockerfile");
        vertex(progress, "[internal] load build definition from " + df.getFileName(), "transferring dockerfile: ",
                df);
        Path ignore = IgnorePatterns.locate(context, df);
        if (ignore != null && Files.isRegularFile(ignore)) {
            vertex(progress, "[internal] load .dockerignore", "transferring context: ", ignore);
        }
    }

    private static void vertex(ProgressSink progress, String name, String what, Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return;
        }
        String id = "internal:" + name;
        Instant start = Instant.now();
        progress.accept(new ProgressEvent.Started(id, name, start));
        progress.accept(new ProgressEvent.Status(id, "transfer", what + bytes(size), size, size, true, Instant.now()));
        progress.accept(new ProgressEvent.Completed(id, name, start, Instant.now(), null));
    }

    /** Sizes as the reference prints them: {@code 89B}, {@code 1.23kB}. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + "B";
        }
        String[] units = {"kB", "MB", "GB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.3g%s", v, units[u]);
    }
}
