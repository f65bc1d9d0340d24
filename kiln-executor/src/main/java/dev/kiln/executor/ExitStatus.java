package dev.kiln.executor;

/**
 * How a container's process ended.
 *
 * @param code the exit code; for a process killed by a signal, 128 + the signal number, as runc and
 *     shells report it
 * @param signaled whether the process was (as far as the runtime reports) killed by a signal — runc
 *     passes a signal death on as exit code 128+n, so this is {@code code} in 129..192; a process that
 *     itself exits with such a code is indistinguishable
 */
public record ExitStatus(int code, boolean signaled) {

    /** The status for a runtime exit code, applying runc's 128+signal convention. */
    public static ExitStatus fromRuntimeExitCode(int code) {
        return new ExitStatus(code, code > 128 && code <= 128 + 64);
    }

    /** Whether the process exited with code 0. */
    public boolean success() {
        return code == 0 && !signaled;
    }
}
