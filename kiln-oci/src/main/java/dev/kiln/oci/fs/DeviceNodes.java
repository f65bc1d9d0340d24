package dev.kiln.oci.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Creates character devices, block devices and FIFOs with {@code mknod(2)} through the FFM
 * API, and converts between glibc's {@code dev_t} encoding and major/minor numbers. Layers
 * need this for the 0/0 character device that marks a deletion in an overlay upper dir and
 * for device nodes stored in image layers (which only root may create).
 *
 * <p>Stateless and thread-safe.
 */
public final class DeviceNodes {
    /** File type bits of {@code st_mode}. */
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final MethodHandle MKNOD = NativeCalls.downcall("mknod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

    private DeviceNodes() {}

    /** A character device; {@code permissions} are the low 12 mode bits. */
    public static void createCharDevice(Path path, int permissions, int major, int minor) throws IOException {
        mknod(path, S_IFCHR | (permissions & 07777), makedev(major, minor));
    }

    public static void createBlockDevice(Path path, int permissions, int major, int minor) throws IOException {
        mknod(path, S_IFBLK | (permissions & 07777), makedev(major, minor));
    }

    public static void createFifo(Path path, int permissions) throws IOException {
        mknod(path, S_IFIFO | (permissions & 07777), 0L);
    }

    /** The overlayfs whiteout: a character device with device number 0/0. */
    public static void createWhiteout(Path path) throws IOException {
        createCharDevice(path, 0, 0, 0);
    }

    private static void mknod(Path path, int mode, long dev) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            int rc = (int) MKNOD.invokeExact(capture, NativeCalls.cPath(arena, path), mode, dev);
            if (rc != 0) {
                throw NativeCalls.failure("mknod", path, NativeCalls.errno(capture));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }

    /** glibc's {@code makedev}. */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    /** glibc's {@code major}. */
    public static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L));
    }

    /** glibc's {@code minor}. */
    public static int minor(long dev) {
        return (int) ((dev & 0xffL) | ((dev >>> 12) & 0xffffff00L));
    }
}
