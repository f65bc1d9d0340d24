package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.KilnException;
import dev.kiln.engine.Engine;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StateStorage;
import dev.kiln.worker.gc.StorageRecord;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln du}: what the state dir holds, one line per record (snapshot, unpacked base
 * layer, content blob, cache mount) with its size, when it was last used, what made it and
 * whether it is in use or reclaimable; then the totals. {@code --format json} prints the
 * records as a JSON array instead.
 */
@Command(name = "du", description = "Show the disk usage of the state dir, record by record.", mixinStandardHelpOptions = true)
final class DuCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    Main main;

    @Option(names = "--filter", description = "Only records of a type: type=snapshot|layer|content|cachemount.")
    List<String> filters = List.of();

    @Option(names = "--format", defaultValue = "table", description = "table or json.")
    String format;

    @Override
    public Integer call() {
        Set<StorageRecord.Type> types = PruneCommand.types(filters);
        List<StorageRecord> all;
        if (main.daemon() != null) {
            all = dev.kiln.client.remote.DaemonCalls.usage(main.daemon());
        } else {
            try (Engine engine = main.openEngine()) {
                all = engine.storage().usage();
            }
        }
        List<StorageRecord> records = all.stream().filter(r -> types.isEmpty() || types.contains(r.type())).toList();
        switch (format) {
            case "json" -> System.out.println(json(records));
            case "table" -> table(records);
            default -> throw new KilnException("invalid --format \"" + format + "\": want table or json");
        }
        return 0;
    }

    private static void table(List<StorageRecord> records) {
        String fmt = "%-32s %-10s %-7s %-12s %-10s %-16s %s%n";
        System.out.printf(fmt, "ID", "TYPE", "IN USE", "RECLAIMABLE", "SIZE", "LAST USED", "DESCRIPTION");
        for (StorageRecord r : records) {
            System.out.printf(fmt, shortId(r.id()), r.type().label(), r.inUse() ? "true" : "", r.reclaimable(),
                    PruneOptions.formatSize(r.size()), ImagesCommand.ago(r.lastUsed()), r.description());
        }
        long reclaimable = records.stream().filter(StorageRecord::reclaimable).mapToLong(StorageRecord::size).sum();
        System.out.println();
        System.out.printf("Reclaimable:\t%s%n", PruneOptions.formatSize(reclaimable));
        System.out.printf("Total:\t\t%s%n", PruneOptions.formatSize(StateStorage.total(records)));
        System.out.println("By type:\t" + records.stream().collect(Collectors.groupingBy(r -> r.type().label(),
                java.util.TreeMap::new, Collectors.summingLong(StorageRecord::size))).entrySet().stream()
                .map(e -> e.getKey() + " " + PruneOptions.formatSize(e.getValue())).collect(Collectors.joining(", ")));
    }

    static String shortId(String id) {
        String s = id.startsWith("sha256:") ? id.substring(7) : id;
        return s.length() > 32 ? s.substring(0, 32) : s;
    }

    static ArrayNode json(List<StorageRecord> records) {
        ArrayNode arr = JSON.createArrayNode();
        for (StorageRecord r : records) {
            ObjectNode n = arr.addObject();
            n.put("id", r.id()).put("type", r.type().label()).put("size", r.size())
                    .put("lastUsed", r.lastUsed().toString()).put("description", r.description())
                    .put("inUse", r.inUse()).put("reclaimable", r.reclaimable());
            r.parent().ifPresent(p -> n.put("parent", p));
        }
        return arr;
    }
}
