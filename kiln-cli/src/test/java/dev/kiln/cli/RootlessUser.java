package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;

/**
 * A throwaway unprivileged login user for the rootless integration tests: {@link #create} adds it
 * with {@code useradd}, drops the subordinate id ranges Debian's useradd allots by itself and
 * grants the given range (65536 ids) in {@code /etc/subuid} and {@code /etc/subgid}, or none;
 * {@link #close} deletes the user, its home and its ranges. Created in a test class's
 * {@code @BeforeAll} and closed in its {@code @AfterAll}. Needs root.
 */
final class RootlessUser implements AutoCloseable {
    private static final int RANGE = 65536;
    private final String name;

    private RootlessUser(String name) {
        this.name = name;
    }

    /**
     * Skips the calling test class (JUnit assumption) unless a rootless build can run here: the
     * test runs as root (to create users), uidmap's newuidmap/newgidmap, useradd, util-linux 2.38's
     * {@code unshare --map-users}, busybox-static and runc.
     */
    static void assumeRootlessBuildsCanRun() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(KilnRunner.onPath("newuidmap") && KilnRunner.onPath("newgidmap"), "uidmap is not installed");
        assumeTrue(KilnRunner.onPath("useradd") || Files.isExecutable(Path.of("/usr/sbin/useradd")), "useradd missing");
        assumeTrue(BuildIT.exec(null, "unshare", "--help").stdout().contains("--map-users"), "unshare < 2.38");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")) && KilnRunner.onPath("runc"),
                "busybox-static or runc missing");
    }

    /**
     * Adds user {@code name} with home {@code home} and login shell /bin/sh, and gives it the
     * subordinate uids and gids {@code firstId .. firstId+65535}, or none when {@code firstId} is
     * empty.
     */
    static RootlessUser create(String name, Path home, OptionalLong firstId) throws Exception {
        KilnRunner.Run add = BuildIT.exec(null, "useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", name);
        assertThat(add.exit()).as(add.all()).isZero();
        RootlessUser user = new RootlessUser(name);
        user.removeSubordinateIds();   // Debian's useradd allots ranges itself: start from none
        if (firstId.isPresent()) {
            String line = name + ":" + firstId.getAsLong() + ":" + RANGE + "\n";
            Files.writeString(Path.of("/etc/subuid"), line, StandardOpenOption.APPEND);
            Files.writeString(Path.of("/etc/subgid"), line, StandardOpenOption.APPEND);
        }
        return user;
    }

    String name() {
        return name;
    }

    /** Deletes the user with its home and its subordinate id ranges. */
    @Override
    public void close() throws Exception {
        BuildIT.exec(null, "userdel", "-r", "-f", name);
        removeSubordinateIds();
    }

    private void removeSubordinateIds() throws IOException {
        for (String f : List.of("/etc/subuid", "/etc/subgid")) {
            Path p = Path.of(f);
            if (Files.exists(p)) {
                Files.write(p, Files.readAllLines(p).stream().filter(l -> !l.startsWith(name + ":")).toList());
            }
        }
    }
}
