package dev.kiln.oci.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Sets access and modification times of a path itself with
 * {@code utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW)} through the FFM API: works on
 * symlinks, FIFOs and device nodes alike. (The JDK's {@code BasicFileAttributeView.setTimes}
 * opens the file first, which blocks on a FIFO.) Stateless and thread-safe.
 */
public final class FileTimes {
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final MethodHandle UTIMENSAT = NativeCalls.downcall("utimensat",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));

    private FileTimes() {}

    /** Sets atime and mtime of {@code path} (not of a symlink's target). */
    public static void set(Path path, Instant atime, Instant mtime) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
            times.setAtIndex(ValueLayout.JAVA_LONG, 0, atime.getEpochSecond());
            times.setAtIndex(ValueLayout.JAVA_LONG, 1, atime.getNano());
            times.setAtIndex(ValueLayout.JAVA_LONG, 2, mtime.getEpochSecond());
            times.setAtIndex(ValueLayout.JAVA_LONG, 3, mtime.getNano());
            int rc = (int) UTIMENSAT.invokeExact(capture, AT_FDCWD, NativeCalls.cPath(arena, path), times,
                    AT_SYMLINK_NOFOLLOW);
            if (rc != 0) {
                throw NativeCalls.failure("utimensat", path, NativeCalls.errno(capture));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }

    /** Sets atime and mtime of {@code path} to the same instant. */
    public static void set(Path path, Instant time) throws IOException {
        set(path, time, time);
    }
}
