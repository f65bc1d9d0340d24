package dev.kiln.snapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Applies {@link Mount} descriptions to a directory with the mount(2) and umount2(2) system calls
 * (through {@link MountSyscalls}, FFM), the way containerd's {@code mount.All} does: the mounts of a
 * list are applied in order on the same target.
 *
 * <p>Options are split as mount(8) splits them: the flags {@code ro rw nosuid suid nodev dev noexec
 * exec bind rbind} become mount flags, everything else is filesystem data joined with commas. A bind
 * mount with {@code ro} (or another flag) is followed by the remount that makes it read-only, since
 * the kernel ignores flags on the first bind. An overlay whose data exceeds one page (4095 bytes) is
 * mounted through the new mount API instead, with {@code lowerdir+} once per layer, so very long
 * layer chains mount whatever the paths' length.
 *
 * <p>Stateless and thread-safe; needs CAP_SYS_ADMIN. Failures are {@link SyscallException}s with the
 * errno text.
 */
public class Mounter {

    /** Longest option string mount(2) accepts: one page minus the terminating NUL. */
    public static final int MAX_MOUNT_DATA = 4095;

    /** Mounts {@code mounts} in order on {@code target}; on a failure, undoes the ones already made. */
    public void mount(List<Mount> mounts, Path target) {
        Objects.requireNonNull(target, "target");
        String t = target.toAbsolutePath().toString();
        int done = 0;
        try {
            for (Mount m : mounts) {
                mountOne(m, t);
                done++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < done; i++) {
                try {
                    MountSyscalls.umount2(t, MountSyscalls.MNT_DETACH);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Unmounts {@code target}; if it is busy, detaches it lazily (MNT_DETACH) instead. */
    public void unmount(Path target) {
        String t = target.toAbsolutePath().toString();
        try {
            MountSyscalls.umount2(t, 0);
        } catch (SyscallException e) {
            if (e.errno() != MountSyscalls.EBUSY) {
                throw e;
            }
            MountSyscalls.umount2(t, MountSyscalls.MNT_DETACH);
        }
    }

    private static void mountOne(Mount m, String target) {
        ParsedOptions o = ParsedOptions.parse(m.options());
        if (m.isBind()) {
            MountSyscalls.mount(m.source(), target, null, MountSyscalls.MS_BIND | (o.flags & MountSyscalls.MS_REC), null);
            long remountFlags = o.flags & ~(MountSyscalls.MS_BIND | MountSyscalls.MS_REC);
            if (remountFlags != 0) {
                MountSyscalls.mount(null, target, null,
                        MountSyscalls.MS_REMOUNT | MountSyscalls.MS_BIND | remountFlags, null);
            }
            return;
        }
        String data = String.join(",", o.data);
        if (m.type().equals("overlay") && data.getBytes(StandardCharsets.UTF_8).length > MAX_MOUNT_DATA) {
            MountSyscalls.mountNewApi("overlay", overlayParameters(o.data), mountAttributes(o.flags), target);
            return;
        }
        MountSyscalls.mount(m.source(), target, m.type(), o.flags, data.isEmpty() ? null : data);
    }

    /** Turns overlay data options into fsconfig parameters, splitting {@code lowerdir} into {@code lowerdir+}. */
    static List<String[]> overlayParameters(List<String> data) {
        List<String[]> params = new ArrayList<>();
        for (String option : data) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? null : option.substring(eq + 1);
            if (key.equals("lowerdir") && value != null) {
                for (String layer : value.split(":")) {
                    params.add(new String[] {"lowerdir+", layer});
                }
            } else {
                params.add(new String[] {key, value});
            }
        }
        return params;
    }

    private static int mountAttributes(long flags) {
        int attrs = 0;
        if ((flags & MountSyscalls.MS_RDONLY) != 0) {
            attrs |= MountSyscalls.MOUNT_ATTR_RDONLY;
        }
        if ((flags & MountSyscalls.MS_NOSUID) != 0) {
            attrs |= MountSyscalls.MOUNT_ATTR_NOSUID;
        }
        if ((flags & MountSyscalls.MS_NODEV) != 0) {
            attrs |= MountSyscalls.MOUNT_ATTR_NODEV;
        }
        if ((flags & MountSyscalls.MS_NOEXEC) != 0) {
            attrs |= MountSyscalls.MOUNT_ATTR_NOEXEC;
        }
        return attrs;
    }

    /** Mount options split into mount(2) flags and filesystem data. */
    record ParsedOptions(long flags, List<String> data) {

        static ParsedOptions parse(List<String> options) {
            long flags = 0;
            List<String> data = new ArrayList<>();
            for (String option : options) {
                switch (option) {
                    case "ro" -> flags |= MountSyscalls.MS_RDONLY;
                    case "rw", "suid", "dev", "exec", "defaults" -> { }
                    case "nosuid" -> flags |= MountSyscalls.MS_NOSUID;
                    case "nodev" -> flags |= MountSyscalls.MS_NODEV;
                    case "noexec" -> flags |= MountSyscalls.MS_NOEXEC;
                    case "bind" -> flags |= MountSyscalls.MS_BIND;
                    case "rbind" -> flags |= MountSyscalls.MS_BIND | MountSyscalls.MS_REC;
                    default -> data.add(option);
                }
            }
            return new ParsedOptions(flags, List.copyOf(data));
        }
    }
}
