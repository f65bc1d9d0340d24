package dev.kiln.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Capability sets for the runtime spec: Docker's default set for ordinary RUN steps, every
 * capability the kernel knows for {@code --security=insecure}.
 */
final class Capabilities {

    /** Docker's (and BuildKit's) default capabilities. */
    static final List<String> DOCKER_DEFAULT = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Capability names by number, as in linux/capability.h. */
    private static final List<String> BY_NUMBER = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
            "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
            "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private Capabilities() {}

    /**
     * Every capability up to the kernel's {@code cap_last_cap} (or all this class knows if unreadable) that
     * this process holds in its bounding set: a runtime asked for a capability its caller lacks (root
     * without CAP_SYS_RESOURCE on the lab machines) drops far more than that one.
     */
    static List<String> all() {
        int last = BY_NUMBER.size() - 1;
        try {
            // readAllLines, not readString: on this JDK readString returns only the first byte of a procfs file
            last = Math.min(last, Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).getFirst().strip()));
        } catch (IOException | RuntimeException ignored) {
            // keep every capability this class knows
        }
        long bounding = -1L;
        try {
            bounding = boundingSet(Files.readAllLines(Path.of("/proc/self/status")));
        } catch (IOException ignored) {
            // assume every capability
        }
        return held(last, bounding);
    }

    /** The capabilities numbered 0..{@code last} whose bit is set in {@code bounding}. */
    static List<String> held(int last, long bounding) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i <= last && i < BY_NUMBER.size(); i++) {
            if ((bounding & (1L << i)) != 0) {
                out.add(BY_NUMBER.get(i));
            }
        }
        return List.copyOf(out);
    }

    /** The {@code CapBnd} mask of a /proc/PID/status, or all bits when the line is missing. */
    static long boundingSet(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("CapBnd:")) {
                return Long.parseUnsignedLong(line.substring("CapBnd:".length()).strip(), 16);
            }
        }
        return -1L;
    }
}
