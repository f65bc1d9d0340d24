package dev.kiln.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether this process runs in a user namespace other than the initial one (rootless Kiln: the
 * engine re-executed under {@code unshare} with the user's subordinate ids). There, overlayfs must
 * be mounted with {@code userxattr} and keeps its opaque markers in {@code user.overlay.*} instead of
 * {@code trusted.overlay.*}, and the runtime spec must avoid what only the initial namespace may do.
 *
 * <p>Read once from {@code /proc/self/uid_map}: the initial namespace maps the whole id range
 * {@code 0 0 4294967295}.
 */
public final class UserNamespace {
    private static final boolean NESTED = detect();

    private UserNamespace() {}

    /** Whether this process is in a user namespace other than the initial one. */
    public static boolean current() {
        return NESTED;
    }

    /** Whether {@code uidMapLines} (the lines of a /proc/PID/uid_map) describe a namespace other than the initial one. */
    static boolean nested(List<String> uidMapLines) {
        List<String> lines = uidMapLines.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.size() != 1) {
            return true;
        }
        String[] f = lines.getFirst().split("\\s+");
        return !(f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals("4294967295"));
    }

    private static boolean detect() {
        try {
            return nested(Files.readAllLines(Path.of("/proc/self/uid_map")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
