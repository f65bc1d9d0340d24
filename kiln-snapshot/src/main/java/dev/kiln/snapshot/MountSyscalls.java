package dev.kiln.snapshot;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux mount system calls the JDK lacks, called through the Foreign Function &amp; Memory API
 * (glibc 2.36+ wrappers): {@code mount(2)}, {@code umount2(2)} and the new mount API
 * ({@code fsopen}, {@code fsconfig}, {@code fsmount}, {@code move_mount}) that {@link Mounter} uses for
 * overlay option lists longer than a page. Each call captures {@code errno} and throws a
 * {@link SyscallException} with its {@code strerror} text on failure.
 *
 * <p>Stateless; the method handles are made once per class load. Package-private: callers use
 * {@link Mounter}. Running it needs native access ({@code --enable-native-access=ALL-UNNAMED}, else
 * the JDK prints a warning) and, for the calls to succeed, CAP_SYS_ADMIN.
 */
final class MountSyscalls {

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final int MNT_DETACH = 2;
    static final int EBUSY = 16;
    static final int EINVAL = 22;

    static final int FSCONFIG_SET_FLAG = 0;
    static final int FSCONFIG_SET_STRING = 1;
    static final int FSCONFIG_SET_FD = 5;
    /** fsconfig copies at most this many bytes of a string value; longer paths go as a file descriptor. */
    static final int FSCONFIG_MAX_STRING = 255;
    private static final int O_PATH_DIRECTORY_CLOEXEC = 010000000 | 0200000 | 02000000;
    static final int FSCONFIG_CMD_CREATE = 6;
    static final int MOUNT_ATTR_RDONLY = 1;
    static final int MOUNT_ATTR_NOSUID = 2;
    static final int MOUNT_ATTR_NODEV = 4;
    static final int MOUNT_ATTR_NOEXEC = 8;
    private static final int FSOPEN_CLOEXEC = 1;
    private static final int FSMOUNT_CLOEXEC = 1;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
    private static final int AT_FDCWD = -100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MOUNT = handle("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FSOPEN = handle("fsopen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FSCONFIG = handle("fsconfig",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FSMOUNT = handle("fsmount", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MOVE_MOUNT = handle("move_mount",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private MountSyscalls() {}

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + " (glibc 2.36+ needed)"));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    /** {@code mount(source, target, fstype, flags, data)}; null strings are passed as NULL. */
    static void mount(String source, String target, String fstype, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int rc = (int) MOUNT.invokeExact(capture, cString(arena, source), cString(arena, target),
                    cString(arena, fstype), flags, cString(arena, data));
            check(rc, capture, "mount " + fstype + " " + source + " on " + target);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call mount failed", t);
        }
    }

    /** {@code umount2(target, flags)}. */
    static void umount2(String target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(capture, cString(arena, target), flags);
            check(rc, capture, "umount2 " + target);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call umount2 failed", t);
        }
    }

    /**
     * Mounts a filesystem on {@code target} with the new mount API: {@code fsopen(fstype)}, one
     * {@code fsconfig} per parameter (a {@code null} value sets a flag), create, {@code fsmount} with
     * {@code mountAttrs}, {@code move_mount} onto the target. Parameters are set in the given order, so
     * {@code lowerdir+} may repeat once per layer. fsconfig takes string values of at most 255 bytes,
     * so a longer value (a long layer path) is passed as an {@code O_PATH} descriptor of the directory
     * ({@code FSCONFIG_SET_FD}, which overlayfs accepts for its layer options since Linux 6.13).
     */
    static void mountNewApi(String fstype, java.util.List<String[]> parameters, int mountAttrs, String target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int fsFd = (int) FSOPEN.invokeExact(capture, cString(arena, fstype), FSOPEN_CLOEXEC);
            check(fsFd, capture, "fsopen " + fstype);
            try {
                for (String[] kv : parameters) {
                    String what = "fsconfig " + fstype + " " + kv[0] + (kv[1] == null ? "" : "=" + kv[1]);
                    if (kv[1] != null && kv[1].getBytes(java.nio.charset.StandardCharsets.UTF_8).length > FSCONFIG_MAX_STRING) {
                        int dirFd = (int) OPEN.invokeExact(capture, cString(arena, kv[1]), O_PATH_DIRECTORY_CLOEXEC);
                        check(dirFd, capture, "open " + kv[1]);
                        try {
                            int rc = (int) FSCONFIG.invokeExact(capture, fsFd, FSCONFIG_SET_FD, cString(arena, kv[0]),
                                    MemorySegment.NULL, dirFd);
                            check(rc, capture, what);
                        } finally {
                            int ignored = (int) CLOSE.invokeExact(capture, dirFd);
                        }
                        continue;
                    }
                    int cmd = kv[1] == null ? FSCONFIG_SET_FLAG : FSCONFIG_SET_STRING;
                    int rc = (int) FSCONFIG.invokeExact(capture, fsFd, cmd, cString(arena, kv[0]), cString(arena, kv[1]), 0);
                    check(rc, capture, what);
                }
                int rc = (int) FSCONFIG.invokeExact(capture, fsFd, FSCONFIG_CMD_CREATE, MemorySegment.NULL, MemorySegment.NULL, 0);
                check(rc, capture, "fsconfig " + fstype + " create");
                int mntFd = (int) FSMOUNT.invokeExact(capture, fsFd, FSMOUNT_CLOEXEC, mountAttrs);
                check(mntFd, capture, "fsmount " + fstype);
                try {
                    rc = (int) MOVE_MOUNT.invokeExact(capture, mntFd, cString(arena, ""), AT_FDCWD,
                            cString(arena, target), MOVE_MOUNT_F_EMPTY_PATH);
                    check(rc, capture, "move_mount " + fstype + " to " + target);
                } finally {
                    int ignored = (int) CLOSE.invokeExact(capture, mntFd);
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(capture, fsFd);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native mount call failed", t);
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    private static void check(int rc, MemorySegment capture, String call) {
        if (rc < 0) {
            int errno = (int) ERRNO.get(capture, 0L);
            throw new SyscallException(call, errno, strerror(errno));
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
