package dev.kiln.executor;

import java.util.List;

/**
 * The identity a container process runs with, resolved from a {@code USER} string by
 * {@link UserResolver}.
 *
 * @param uid user id
 * @param gid primary group id
 * @param additionalGids supplementary group ids
 * @param home the home directory from /etc/passwd, or {@code /} if unknown
 */
public record ContainerUser(int uid, int gid, List<Integer> additionalGids, String home) {

    public ContainerUser {
        additionalGids = List.copyOf(additionalGids);
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative: " + uid + ":" + gid);
        }
    }
}
