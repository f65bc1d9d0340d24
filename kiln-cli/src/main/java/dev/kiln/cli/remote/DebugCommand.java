package dev.kiln.cli.remote;

import dev.kiln.client.remote.DaemonCalls;
import dev.kiln.client.remote.DaemonTarget;
import dev.kiln.cli.Main;
import dev.kiln.daemon.api.InfoRequest;
import dev.kiln.daemon.api.InfoResponse;
import dev.kiln.daemon.api.ListWorkersRequest;
import dev.kiln.daemon.api.WorkerInfo;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kiln debug workers} and {@code kiln debug info}: what kilnd says about its workers and itself. */
@Command(name = "debug", description = "Ask kilnd about itself (needs --addr or KILN_HOST).", mixinStandardHelpOptions = true,
        subcommands = {DebugCommand.Workers.class, DebugCommand.Info.class})
public final class DebugCommand {
    @ParentCommand
    Main main;

    /** {@code kiln debug workers}. */
    @Command(name = "workers", description = "List the daemon's workers.", mixinStandardHelpOptions = true)
    static final class Workers implements Callable<Integer> {
        @ParentCommand
        DebugCommand parent;

        @Override
        public Integer call() {
            DaemonTarget t = HistoryCommand.requireDaemon(parent.main.daemon(), "debug workers");
            System.out.printf("%-12s %-16s %-12s %s%n", "ID", "PLATFORMS", "PARALLELISM", "LABELS");
            for (WorkerInfo w : DaemonCalls.control(t, s -> s.listWorkers(ListWorkersRequest.getDefaultInstance()))
                    .getWorkersList()) {
                System.out.printf("%-12s %-16s %-12s %s%n", w.getId(), String.join(",", w.getPlatformsList()),
                        w.getMaxParallelism() == 0 ? "unlimited" : Integer.toString(w.getMaxParallelism()),
                        new java.util.TreeMap<>(w.getLabelsMap()));
            }
            return 0;
        }
    }

    /** {@code kiln debug info}. */
    @Command(name = "info", description = "Show the daemon's version, state dir, addresses and running builds.",
            mixinStandardHelpOptions = true)
    static final class Info implements Callable<Integer> {
        @ParentCommand
        DebugCommand parent;

        @Override
        public Integer call() {
            DaemonTarget t = HistoryCommand.requireDaemon(parent.main.daemon(), "debug info");
            InfoResponse i = DaemonCalls.control(t, s -> s.info(InfoRequest.getDefaultInstance()));
            System.out.println("Version:        " + i.getVersion());
            System.out.println("Root:           " + i.getRoot());
            System.out.println("PID:            " + i.getPid());
            System.out.println("Started:        " + Instant.ofEpochSecond(i.getStartedUnixSeconds()));
            System.out.println("Listening:      " + String.join(", ", i.getListenList()));
            System.out.println("Running builds: " + i.getRunningBuilds());
            System.out.println("Snapshotter:    " + i.getSnapshotter());
            return 0;
        }
    }
}
