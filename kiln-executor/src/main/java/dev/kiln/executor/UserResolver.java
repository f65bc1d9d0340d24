package dev.kiln.executor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a Dockerfile {@code USER} value ({@code name|uid[:group|gid]}) against a rootfs's
 * {@code /etc/passwd} and {@code /etc/group}, with the rules of runc's {@code GetExecUser} that
 * BuildKit and Docker use:
 * <ul>
 *   <li>the user part matches a passwd entry by name, or by uid if numeric; a numeric uid without an
 *       entry is used as is (gid 0, home {@code /}); a name without one is an error
 *       ("unable to find user app: no matching entries in passwd file"), also when the rootfs has no
 *       /etc/passwd;</li>
 *   <li>without a group part the primary gid comes from passwd, and the supplementary groups are the
 *       /etc/group entries that list the user's name as a member;</li>
 *   <li>with a group part the gid is that group (by name or number; an unknown name is an error) and,
 *       as in runc and BuildKit, no supplementary groups are added.</li>
 * </ul>
 * Files are read through {@link RootfsPath}, so symlinks in the image cannot point outside it.
 */
public final class UserResolver {

    private UserResolver() {}

    private record PasswdEntry(String name, int uid, int gid, String home) {}

    private record GroupEntry(String name, int gid, List<String> members) {}

    /** Resolves {@code user} in {@code rootfs}; throws {@link ExecutorException} if it cannot. */
    public static ContainerUser resolve(Path rootfs, String user) throws IOException {
        String userPart = user;
        Optional<String> groupPart = Optional.empty();
        int colon = user.indexOf(':');
        if (colon >= 0) {
            userPart = user.substring(0, colon);
            groupPart = Optional.of(user.substring(colon + 1));
        }
        if (userPart.isEmpty()) {
            userPart = "0";
        }
        Optional<Integer> numericUid = parseId(userPart);
        List<PasswdEntry> passwd = readPasswd(rootfs);
        String matchName = userPart;
        Optional<PasswdEntry> entry = passwd.stream()
                .filter(p -> p.name().equals(matchName) || numericUid.map(id -> id == p.uid()).orElse(false))
                .findFirst();
        int uid;
        int gid;
        String home;
        String name;
        if (entry.isPresent()) {
            uid = entry.get().uid();
            gid = entry.get().gid();
            home = entry.get().home();
            name = entry.get().name();
        } else if (numericUid.isPresent()) {
            uid = numericUid.get();
            gid = 0;
            home = "/";
            name = null;
        } else {
            throw new ExecutorException("unable to find user " + userPart + ": no matching entries in passwd file");
        }
        List<Integer> additional = new ArrayList<>();
        if (groupPart.isPresent() && !groupPart.get().isEmpty()) {
            String g = groupPart.get();
            Optional<Integer> numericGid = parseId(g);
            Optional<GroupEntry> group = readGroups(rootfs).stream()
                    .filter(e -> e.name().equals(g) || numericGid.map(id -> id == e.gid()).orElse(false))
                    .findFirst();
            if (group.isPresent()) {
                gid = group.get().gid();
            } else if (numericGid.isPresent()) {
                gid = numericGid.get();
            } else {
                throw new ExecutorException("unable to find group " + g + ": no matching entries in group file");
            }
        } else if (name != null) {
            for (GroupEntry g : readGroups(rootfs)) {
                if (g.members().contains(name) && g.gid() != gid && !additional.contains(g.gid())) {
                    additional.add(g.gid());
                }
            }
        }
        return new ContainerUser(uid, gid, additional, home.isEmpty() ? "/" : home);
    }

    private static Optional<Integer> parseId(String s) {
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            throw new ExecutorException("user or group id out of range: " + s);
        }
    }

    private static List<PasswdEntry> readPasswd(Path rootfs) throws IOException {
        List<PasswdEntry> entries = new ArrayList<>();
        for (String[] f : readColonFile(rootfs, "/etc/passwd")) {
            if (f.length >= 4) {
                Optional<Integer> uid = parseId(f[2]);
                Optional<Integer> gid = parseId(f[3]);
                if (uid.isPresent() && gid.isPresent()) {
                    entries.add(new PasswdEntry(f[0], uid.get(), gid.get(), f.length >= 6 ? f[5] : "/"));
                }
            }
        }
        return entries;
    }

    private static List<GroupEntry> readGroups(Path rootfs) throws IOException {
        List<GroupEntry> entries = new ArrayList<>();
        for (String[] f : readColonFile(rootfs, "/etc/group")) {
            if (f.length >= 3) {
                Optional<Integer> gid = parseId(f[2]);
                if (gid.isPresent()) {
                    List<String> members = f.length >= 4 && !f[3].isBlank()
                            ? List.of(f[3].strip().split("\\s*,\\s*")) : List.of();
                    entries.add(new GroupEntry(f[0], gid.get(), members));
                }
            }
        }
        return entries;
    }

    private static List<String[]> readColonFile(Path rootfs, String path) throws IOException {
        Path file = RootfsPath.resolve(rootfs, path);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                rows.add(l.split(":", -1));
            }
        }
        return rows;
    }
}
