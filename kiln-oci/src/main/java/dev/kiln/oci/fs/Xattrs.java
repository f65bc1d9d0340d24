package dev.kiln.oci.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Extended attributes of a path itself, never of what a symlink points to: the Linux
 * {@code llistxattr}, {@code lgetxattr}, {@code lsetxattr} and {@code lremovexattr} calls
 * through the FFM API. Java's {@code UserDefinedFileAttributeView} only reaches the
 * {@code user.} namespace and follows links for some calls; layers need {@code trusted.},
 * {@code security.} and {@code user.} names on files and symlinks alike.
 *
 * <p>Stateless and thread-safe. Values are raw bytes ({@code security.capability} is binary).
 */
public final class Xattrs {
    private static final MethodHandle LLISTXATTR = NativeCalls.downcall("llistxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle LGETXATTR = NativeCalls.downcall("lgetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSETXATTR = NativeCalls.downcall("lsetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle LREMOVEXATTR = NativeCalls.downcall("lremovexattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private Xattrs() {}

    /** The names of the path's extended attributes, in the order the file system lists them. */
    public static List<String> list(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            MemorySegment p = NativeCalls.cPath(arena, path);
            for (int attempt = 0; attempt < 5; attempt++) {
                long size = (long) LLISTXATTR.invokeExact(capture, p, MemorySegment.NULL, 0L);
                if (size < 0) {
                    int errno = NativeCalls.errno(capture);
                    if (errno == NativeCalls.ENOTSUP) {
                        return List.of();
                    }
                    throw NativeCalls.failure("llistxattr", path, errno);
                }
                if (size == 0) {
                    return List.of();
                }
                MemorySegment buf = arena.allocate(size);
                long got = (long) LLISTXATTR.invokeExact(capture, p, buf, size);
                if (got < 0) {
                    int errno = NativeCalls.errno(capture);
                    if (errno == NativeCalls.ERANGE) {
                        continue;
                    }
                    throw NativeCalls.failure("llistxattr", path, errno);
                }
                return splitNames(buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE));
            }
            throw new IOException("llistxattr " + path + ": attribute list keeps changing");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }

    private static List<String> splitNames(byte[] raw) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                if (i > start) {
                    names.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return names;
    }

    /** The value of one attribute, or empty when the path does not have it. */
    public static Optional<byte[]> get(Path path, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            MemorySegment p = NativeCalls.cPath(arena, path);
            MemorySegment n = arena.allocateFrom(name);
            for (int attempt = 0; attempt < 5; attempt++) {
                long size = (long) LGETXATTR.invokeExact(capture, p, n, MemorySegment.NULL, 0L);
                if (size < 0) {
                    int errno = NativeCalls.errno(capture);
                    if (errno == NativeCalls.ENODATA || errno == NativeCalls.ENOTSUP) {
                        return Optional.empty();
                    }
                    throw NativeCalls.failure("lgetxattr " + name, path, errno);
                }
                if (size == 0) {
                    return Optional.of(new byte[0]);
                }
                MemorySegment buf = arena.allocate(size);
                long got = (long) LGETXATTR.invokeExact(capture, p, n, buf, size);
                if (got < 0) {
                    int errno = NativeCalls.errno(capture);
                    if (errno == NativeCalls.ERANGE) {
                        continue;
                    }
                    if (errno == NativeCalls.ENODATA) {
                        return Optional.empty();
                    }
                    throw NativeCalls.failure("lgetxattr " + name, path, errno);
                }
                return Optional.of(buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE));
            }
            throw new IOException("lgetxattr " + name + " " + path + ": value keeps changing");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }

    /** Sets (creates or replaces) one attribute on the path itself. */
    public static void set(Path path, String name, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            MemorySegment v = value.length == 0 ? arena.allocate(1) : arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
            int rc = (int) LSETXATTR.invokeExact(capture, NativeCalls.cPath(arena, path),
                    arena.allocateFrom(name), v, (long) value.length, 0);
            if (rc != 0) {
                throw NativeCalls.failure("lsetxattr " + name, path, NativeCalls.errno(capture));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }

    /** Removes one attribute; does nothing when the path does not have it. */
    public static void remove(Path path, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = NativeCalls.newCapture(arena);
            int rc = (int) LREMOVEXATTR.invokeExact(capture, NativeCalls.cPath(arena, path), arena.allocateFrom(name));
            if (rc != 0) {
                int errno = NativeCalls.errno(capture);
                if (errno != NativeCalls.ENODATA) {
                    throw NativeCalls.failure("lremovexattr " + name, path, errno);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.propagate(t);
        }
    }
}
