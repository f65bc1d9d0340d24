package dev.kiln.executor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cgroup limits every RUN container of an executor gets, written into the OCI spec's
 * {@code linux.resources} ({@code memory.limit}, {@code pids.limit}, {@code cpu.shares}). A zero
 * field means "no limit". The memory limit also caps memory plus swap at the same value where the
 * host accounts swap ({@code memory.memsw.*} exists), as Docker does for {@code --memory-swap}
 * equal to {@code --memory}, so a RUN that outgrows it is killed instead of swapping.
 *
 * <p>Set once per executor (kilnd's {@code [worker]} table, or {@code KILN_RUN_MEMORY},
 * {@code KILN_RUN_PIDS_LIMIT} and {@code KILN_RUN_CPU_SHARES} for the daemonless CLI). They are
 * applied only where the executor places containers in a cgroup of its own (root with a writable
 * cgroup tree); a rootless engine without a delegated cgroup skips them and says so once.
 *
 * @param memoryBytes the most memory a RUN step's processes may use together (bytes; 0: no limit)
 * @param pidsLimit   the most processes and threads at once (0: no limit)
 * @param cpuShares   relative CPU weight, 2 to 262144 (1024 is the default weight; 0: not set)
 */
public record ResourceLimits(long memoryBytes, long pidsLimit, long cpuShares) {
    /** No limits. */
    public static final ResourceLimits NONE = new ResourceLimits(0, 0, 0);
    /** The smallest memory limit accepted: the runtime itself needs a few MB inside the cgroup. */
    public static final long MIN_MEMORY = 6L << 20;
    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)i?b?\\s*");

    public ResourceLimits {
        if (memoryBytes < 0 || pidsLimit < 0 || cpuShares < 0) {
            throw new IllegalArgumentException("resource limits must not be negative");
        }
        if (memoryBytes > 0 && memoryBytes < MIN_MEMORY) {
            throw new IllegalArgumentException("memory limit " + memoryBytes + " bytes is below the minimum of 6MB");
        }
        if (cpuShares != 0 && (cpuShares < 2 || cpuShares > 262_144)) {
            throw new IllegalArgumentException("cpu shares must be between 2 and 262144, not " + cpuShares);
        }
    }

    /** Whether no limit is set. */
    public boolean isEmpty() {
        return memoryBytes == 0 && pidsLimit == 0 && cpuShares == 0;
    }

    /**
     * The limits named by {@code KILN_RUN_MEMORY} (a size: {@code 512MB}, {@code 2g}),
     * {@code KILN_RUN_PIDS_LIMIT} and {@code KILN_RUN_CPU_SHARES} in {@code env}; unset or empty
     * variables mean no limit.
     *
     * @throws IllegalArgumentException naming the variable whose value is invalid
     */
    public static ResourceLimits fromEnvironment(Map<String, String> env) {
        long memory = 0;
        long pids = 0;
        long shares = 0;
        String m = env.get("KILN_RUN_MEMORY");
        if (m != null && !m.isBlank()) {
            memory = parseVariable("KILN_RUN_MEMORY", m, true);
        }
        String p = env.get("KILN_RUN_PIDS_LIMIT");
        if (p != null && !p.isBlank()) {
            pids = parseVariable("KILN_RUN_PIDS_LIMIT", p, false);
        }
        String c = env.get("KILN_RUN_CPU_SHARES");
        if (c != null && !c.isBlank()) {
            shares = parseVariable("KILN_RUN_CPU_SHARES", c, false);
        }
        try {
            return new ResourceLimits(memory, pids, shares);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("KILN_RUN_*: " + e.getMessage(), e);
        }
    }

    private static long parseVariable(String name, String value, boolean size) {
        try {
            return size ? parseSize(value) : Long.parseLong(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": invalid value \"" + value + "\"" + (size ? " (want e.g. 512MB, 2GB)" : ""), e);
        }
    }

    /** Parses a size such as {@code 512}, {@code 100m}, {@code 2GB}, {@code 1.5GiB}; units are powers of 1024. */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": want e.g. 512MB, 2GB");
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            default -> 1;
        };
        return (long) (Double.parseDouble(m.group(1)) * unit);
    }

    /**
     * The {@code linux.resources} entries for these limits (without {@code devices}, which the
     * spec adds itself); {@code swapAccounted} adds {@code memory.swap} equal to the limit.
     */
    Map<String, Object> specEntries(boolean swapAccounted) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (memoryBytes > 0) {
            Map<String, Object> memory = new LinkedHashMap<>();
            memory.put("limit", memoryBytes);
            if (swapAccounted) {
                memory.put("swap", memoryBytes);
            }
            out.put("memory", memory);
        }
        if (cpuShares > 0) {
            out.put("cpu", Map.of("shares", cpuShares));
        }
        if (pidsLimit > 0) {
            out.put("pids", Map.of("limit", pidsLimit));
        }
        return out;
    }

    /** {@code memory=2.0GiB pids=4096 cpu-shares=512}, or {@code none}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (memoryBytes > 0) {
            parts.add(String.format(Locale.ROOT, "memory=%.1fMiB", memoryBytes / (double) (1 << 20)));
        }
        if (pidsLimit > 0) {
            parts.add("pids=" + pidsLimit);
        }
        if (cpuShares > 0) {
            parts.add("cpu-shares=" + cpuShares);
        }
        return parts.isEmpty() ? "none" : String.join(" ", parts);
    }
}
