package dev.kiln.snapshot;

/**
 * A failed system call made through {@link MountSyscalls}: the message names the call, its main
 * arguments and the error text ({@code strerror(errno)}); {@link #errno()} is the raw value.
 */
public class SyscallException extends SnapshotException {

    private final int errno;

    public SyscallException(String call, int errno, String errorText) {
        super(call + ": " + errorText + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The {@code errno} the call left, e.g. 16 for EBUSY. */
    public int errno() {
        return errno;
    }
}
