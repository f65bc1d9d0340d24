package dev.kiln.cli.remote;

import dev.kiln.client.remote.DaemonCalls;
import dev.kiln.client.remote.DaemonTarget;
import dev.kiln.cli.Main;
import dev.kiln.common.KilnException;
import dev.kiln.daemon.api.BuildRecord;
import dev.kiln.daemon.api.ListHistoryRequest;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln history}: the daemon's recent builds, newest first, with status, start time,
 * duration and image digest; {@code --logs REF} prints one build's error and last output lines.
 */
@Command(name = "history", description = "List the recent builds of kilnd (needs --addr or KILN_HOST).",
        mixinStandardHelpOptions = true)
public final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-n", "--limit"}, defaultValue = "20", description = "How many builds to list.")
    int limit;

    @Option(names = "--logs", description = "Print the error and last output lines of this build (a ref or its prefix).")
    String logs;

    @Override
    public Integer call() {
        DaemonTarget target = requireDaemon(main.daemon(), "history");
        List<BuildRecord> builds = DaemonCalls.control(target,
                s -> s.listHistory(ListHistoryRequest.newBuilder().setLimit(logs != null ? 0 : limit).build())).getBuildsList();
        if (logs != null) {
            BuildRecord r = builds.stream().filter(b -> b.getRef().startsWith(logs)).findFirst()
                    .orElseThrow(() -> new KilnException("no build " + logs + " in the daemon's history"));
            System.out.println(r.getRef() + " " + r.getStatus() + (r.getError().isEmpty() ? "" : ": " + r.getError()));
            r.getLogTailList().forEach(System.out::println);
            return 0;
        }
        String fmt = "%-36s %-10s %-20s %-9s %s%n";
        System.out.printf(fmt, "REF", "STATUS", "STARTED", "DURATION", "DIGEST / ERROR");
        for (BuildRecord r : builds) {
            String what = !r.getManifestDigest().isEmpty() ? r.getManifestDigest() : r.getError().lines().findFirst().orElse("");
            System.out.printf(fmt, r.getRef(), r.getStatus(),
                    Instant.ofEpochMilli(r.getStartedUnixMillis()).toString().replaceFirst("\\.\\d+Z$", "Z"),
                    String.format(Locale.ROOT, "%.1fs", r.getDurationMillis() / 1000.0), what);
        }
        return 0;
    }

    static DaemonTarget requireDaemon(DaemonTarget t, String command) {
        if (t == null) {
            throw new KilnException("kiln " + command + " talks to kilnd: give --addr unix://PATH|tcp://HOST:PORT or set KILN_HOST");
        }
        return t;
    }
}
