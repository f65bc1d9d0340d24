package dev.kiln.oci.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Sets permission bits (including set-uid, set-gid and sticky) with {@code chmod(2)} through the
 * FFM API. The JDK's {@code unix:mode} attribute opens the file to {@code fchmod} it, which
 * blocks on a FIFO and fails on a device without a driver; layers hold both.
 *
 * <p>{@code chmod} follows a symlink in the last element: callers pass paths they have just
 * created and know not to be links (symlink permissions are meaningless on Linux).
 * Stateless and thread-safe.
 */
public final class FileModes {
    private static final MethodHandle CHMOD = NativeCalls.downcall("chmod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private FileModes() {}

    /** Sets the low 12 mode bits of {@code path}. */
    public static void chmod(Path path, int permissions) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            int rc = (int) CHMOD.invokeExact(capture, NativeCalls.cPath(arena, path), permissions & 07777);
            if (rc != 0) {
                throw NativeCalls.failure("chmod", path, NativeCalls.errno(capture));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }
}
