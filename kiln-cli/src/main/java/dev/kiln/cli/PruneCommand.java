package dev.kiln.cli;

import dev.kiln.common.KilnException;
import dev.kiln.engine.Engine;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StorageRecord;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln prune}: removes build cache from the state dir. Without options only dangling
 * records go; see {@link PruneOptions} for {@code --all}, {@code --keep-storage},
 * {@code --keep-duration} and {@code --filter type=…}. Images in the local store keep every
 * blob they need. Prints each removed record and the total.
 */
@Command(name = "prune", description = "Remove build cache.", mixinStandardHelpOptions = true)
final class PruneCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = {"-a", "--all"}, description = "Remove all reclaimable records, not only dangling ones.")
    boolean all;

    @Option(names = "--keep-storage", description = "Keep this much, removing least recently used first (e.g. 5GB).")
    String keepStorage;

    @Option(names = "--keep-duration", description = "Keep records used within this duration (e.g. 24h).")
    String keepDuration;

    @Option(names = "--filter", description = "Only records of a type: type=snapshot|layer|content|cachemount.")
    List<String> filters = List.of();

    @Override
    public Integer call() {
        PruneOptions opts;
        try {
            opts = new PruneOptions(all, keepStorage == null ? 0 : PruneOptions.parseSize(keepStorage),
                    keepDuration == null ? Duration.ZERO : PruneOptions.parseDuration(keepDuration), types(filters));
        } catch (IllegalArgumentException e) {
            throw new KilnException(e.getMessage());
        }
        List<StorageRecord> removed;
        if (main.daemon() != null) {
            removed = dev.kiln.client.remote.DaemonCalls.prune(main.daemon(), opts);
        } else {
            try (Engine engine = main.openEngine()) {
                removed = engine.storage().prune(opts);
            }
        }
        long total = 0;
        for (StorageRecord r : removed) {
            System.out.printf("deleted %-10s %-32s %s%n", r.type().label(), DuCommand.shortId(r.id()),
                    PruneOptions.formatSize(r.size()));
            total += r.size();
        }
        System.out.println("Total:\t" + PruneOptions.formatSize(total));
        return 0;
    }

    static Set<StorageRecord.Type> types(List<String> filters) {
        Set<StorageRecord.Type> out = EnumSet.noneOf(StorageRecord.Type.class);
        for (String f : filters) {
            if (!f.startsWith("type=")) {
                throw new KilnException("invalid --filter \"" + f + "\": only type=… is supported");
            }
            try {
                for (String t : f.substring(5).split(",")) {
                    out.add(StorageRecord.Type.ofLabel(t.strip()));
                }
            } catch (IllegalArgumentException e) {
                throw new KilnException("invalid --filter \"" + f + "\": " + e.getMessage());
            }
        }
        return out;
    }
}
