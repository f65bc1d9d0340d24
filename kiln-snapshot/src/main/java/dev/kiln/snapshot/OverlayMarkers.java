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
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The markers overlayfs leaves in an upper dir, read and written directly: a deletion is a 0/0
 * character device (a <em>whiteout</em>), a directory that replaces a lower one carries
 * {@code trusted.overlay.opaque=y}. Also plain extended attributes in any namespace ({@code trusted.*} included, which the JDK's
 * {@code UserDefinedFileAttributeView} cannot reach) through {@code lgetxattr(2)}/{@code lsetxattr(2)}
 * via FFM, and {@code mknod(2)} for overlay whiteouts. Used to read and write the overlay markers of
 * a diff: {@link #OVERLAY_OPAQUE} on opaque directories, 0/0 character devices for deletions.
 * Symlinks are never followed. Stateless.
 */
public final class OverlayMarkers {

    /** The xattr overlayfs sets (value {@code y}) on a directory that hides the lower layers' one. */
    public static final String OVERLAY_OPAQUE = "trusted.overlay.opaque";

    private static final int ENODATA = 61;
    private static final int S_IFCHR = 0020000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle LGETXATTR = handle("lgetxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LSETXATTR = handle("lsetxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MKNOD = handle("mknod",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));

    private OverlayMarkers() {}

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** The value of xattr {@code name} on {@code path} (not following a symlink), or empty if unset. */
    public static Optional<byte[]> get(Path path, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(65536);
            long n = (long) LGETXATTR.invokeExact(capture, arena.allocateFrom(path.toString()),
                    arena.allocateFrom(name), buf, buf.byteSize());
            if (n < 0) {
                int errno = (int) ERRNO.get(capture, 0L);
                if (errno == ENODATA) {
                    return Optional.empty();
                }
                throw new SyscallException("lgetxattr " + path + " " + name, errno, MountSyscalls.strerror(errno));
            }
            return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call lgetxattr failed", t);
        }
    }

    /** The opaque marker overlayfs mounted with {@code userxattr} uses (in a user namespace). */
    public static final String USER_OVERLAY_OPAQUE = "user.overlay.opaque";

    /** The opaque xattr this process's overlay mounts use: {@code user.overlay.opaque} in a user namespace. */
    public static String opaqueXattr() {
        return UserNamespace.current() ? USER_OVERLAY_OPAQUE : OVERLAY_OPAQUE;
    }

    /** Whether {@code dir} carries the opaque marker ({@link #opaqueXattr()}{@code =y}). */
    public static boolean isOpaque(Path dir) {
        return get(dir, opaqueXattr()).map(v -> new String(v, StandardCharsets.UTF_8).equals("y")).orElse(false);
    }

    /** Marks {@code dir} opaque ({@link #opaqueXattr()}{@code =y}); trusted.* needs CAP_SYS_ADMIN. */
    public static void setOpaque(Path dir) {
        set(dir, opaqueXattr(), new byte[] {'y'});
    }

    /** Whether {@code path} is an overlay whiteout: a character device with device number 0/0. */
    public static boolean isWhiteout(Path path) {
        try {
            java.util.Map<String, Object> a = java.nio.file.Files.readAttributes(path, "unix:mode,rdev",
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return ((Integer) a.get("mode") & 0170000) == S_IFCHR && ((Long) a.get("rdev")) == 0L;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sets xattr {@code name} on {@code path} (not following a symlink). */
    public static void set(Path path, String name, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
            int rc = (int) LSETXATTR.invokeExact(capture, arena.allocateFrom(path.toString()),
                    arena.allocateFrom(name), v, (long) value.length, 0);
            if (rc < 0) {
                int errno = (int) ERRNO.get(capture, 0L);
                throw new SyscallException("lsetxattr " + path + " " + name, errno, MountSyscalls.strerror(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call lsetxattr failed", t);
        }
    }

    /** Creates an overlay whiteout at {@code path}: a character device 0/0, mode 0000. Needs CAP_MKNOD. */
    public static void makeWhiteout(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int rc = (int) MKNOD.invokeExact(capture, arena.allocateFrom(path.toString()), S_IFCHR, 0L);
            if (rc < 0) {
                int errno = (int) ERRNO.get(capture, 0L);
                throw new SyscallException("mknod " + path, errno, MountSyscalls.strerror(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call mknod failed", t);
        }
    }
}
