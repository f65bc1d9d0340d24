package dev.kiln.worker.fs;

import dev.kiln.common.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Owner names of a root file system, looked up in its {@code /etc/passwd} and
 * {@code /etc/group} (following symlinks only inside the root). Used by COPY/ADD
 * {@code --chown} and by WORKDIR ownership, where a name means what it means in the image
 * being built, not on the host.
 */
public final class Accounts {
    private final Path root;

    public Accounts(Path root) {
        this.root = root;
    }

    /** A numeric owner. */
    public record Owner(int uid, int gid) {}

    /**
     * Resolves {@code user[:group]}: numbers as they are, names through the root's files.
     * Without a group, a user name takes its primary group from /etc/passwd and a numeric
     * user gets its own number as gid, as BuildKit's file ops do.
     */
    public Owner resolve(String user, String group) {
        int uid;
        int primaryGid;
        if (isNumber(user)) {
            uid = Integer.parseInt(user);
            primaryGid = uid;
        } else {
            List<String> entry = lookup("passwd", user, "user").orElseThrow(() -> unknown("user", user, "passwd"));
            uid = Integer.parseInt(entry.get(2));
            primaryGid = entry.size() > 3 && isNumber(entry.get(3)) ? Integer.parseInt(entry.get(3)) : uid;
        }
        int gid;
        if (group == null || group.isEmpty()) {
            gid = primaryGid;
        } else if (isNumber(group)) {
            gid = Integer.parseInt(group);
        } else {
            gid = lookup("group", group, "group").map(f -> Integer.parseInt(f.get(2)))
                    .orElseThrow(() -> unknown("group", group, "group"));
        }
        return new Owner(uid, gid);
    }

    private KilnException unknown(String what, String name, String file) {
        return new KilnException("unable to find " + what + " " + name + ": no matching entries in " + file + " file");
    }

    private Optional<List<String>> lookup(String file, String name, String what) {
        try {
            Path p = RootedPaths.resolve(root, "/etc/" + file);
            if (!Files.isRegularFile(p)) {
                return Optional.empty();
            }
            for (String line : Files.readAllLines(p)) {
                List<String> fields = List.of(line.split(":", -1));
                if (fields.size() >= 3 && fields.get(0).equals(name)) {
                    return Optional.of(fields);
                }
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            throw new KilnException("cannot read /etc/" + file + " of the image to find " + what + " " + name + ": " + e.getMessage(), e);
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
