package dev.kiln.executor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Runs one process in a container over a prepared root filesystem: the RUN step of a build.
 *
 * <p>The caller mounts the rootfs (usually an active snapshot) before and unmounts it after; the
 * executor leaves the rootfs as the process left it, minus the empty files and directories the
 * runtime itself created as mount points. Output is copied to {@code stdout}/{@code stderr} as it
 * arrives; the streams are not closed. Interrupting the calling thread kills the container, cleans up
 * and throws {@link InterruptedException}. Implementations are thread-safe; ids must be unique among
 * concurrent runs.
 */
public interface Executor {

    /**
     * Runs {@code process} in container {@code id} on {@code rootfs} and waits for it to end.
     *
     * @return the exit status (a non-zero code is not an exception)
     * @throws ExecutorException if the container cannot be set up (bad user, runtime failure before start)
     */
    ExitStatus run(String id, Path rootfs, ProcessSpec process, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException;
}
