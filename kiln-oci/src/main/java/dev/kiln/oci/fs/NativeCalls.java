package dev.kiln.oci.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The shared plumbing for calls into the C library through the FFM API: looks up symbols in
 * the default (libc) lookup, builds downcall handles that capture {@code errno}, and turns a
 * failed call into an {@link IOException} that names the call, the path and the error.
 *
 * <p>Package-private; each concern ({@link Xattrs}, {@link DeviceNodes}) owns its handles as
 * static constants built once with {@link #downcall}.
 */
@SuppressWarnings("restricted")
final class NativeCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    static final int ENODATA = 61;
    static final int ERANGE = 34;
    static final int ENOTSUP = 95;

    private NativeCalls() {}

    /** A downcall handle whose first argument is the errno capture segment. */
    static MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = LIBC.find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + symbol));
        return LINKER.downcallHandle(address, descriptor, Linker.Option.captureCallState("errno"));
    }

    static MemorySegment newCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** A C string for a path, as the kernel sees it (the platform's file name bytes). */
    static MemorySegment cPath(Arena arena, Path path) {
        return arena.allocateFrom(path.toString());
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static IOException failure(String call, Path path, int errno) {
        return new IOException(call + " " + path + ": " + strerror(errno) + " (errno " + errno + ")");
    }

    /** Rethrows what a {@code MethodHandle.invokeExact} threw, keeping unchecked ones as they are. */
    static RuntimeException propagate(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
