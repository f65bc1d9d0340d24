package dev.kiln.executor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The resource limits of this process, read from {@code /proc/self/limits}, so that a container is
 * never asked for more than the caller holds: raising a hard limit needs CAP_SYS_RESOURCE, which
 * root lacks on some hosts (see LAB-NOTES), and runc then fails with "error setting rlimits".
 */
final class HostLimits {

    /** What containerd and Docker would like for RLIMIT_NOFILE when the host allows it. */
    static final long PREFERRED_NOFILE = 1_048_576;

    private HostLimits() {}

    /** The hard limit called {@code name} ("Max open files", ...) in {@code limits} text; empty if unlimited or absent. */
    static OptionalLong hardLimit(List<String> limitsLines, String name) {
        for (String line : limitsLines) {
            if (line.startsWith(name)) {
                String[] f = line.substring(name.length()).strip().split("\\s+");
                if (f.length >= 2) {
                    return f[1].equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[1]));
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The RLIMIT_NOFILE to give a container: the preferred value capped at this process's hard limit. */
    static long containerNofile(List<String> limitsLines) {
        OptionalLong hard = hardLimit(limitsLines, "Max open files");
        return hard.isPresent() ? Math.min(PREFERRED_NOFILE, hard.getAsLong()) : PREFERRED_NOFILE;
    }

    /** Reads {@code /proc/self/limits}. */
    static List<String> read() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII);
    }
}
