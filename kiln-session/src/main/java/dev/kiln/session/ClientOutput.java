package dev.kiln.session;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output the client asked for ({@code -o type=oci|docker|tar|local,dest=…}) that the client
 * writes on its own machine: the engine streams the output's bytes and the client puts them at
 * the destination it chose, which the engine never sees. Through kilnd this is the session
 * stream (the daemon sends, the client writes a temporary file next to {@code dest} and renames
 * it into place); daemonless outputs have no {@code ClientOutput} and are written directly.
 *
 * <p>Each {@link #open} starts one transfer. The engine writes the bytes to {@link Transfer#stream()}
 * (writes wait while the client is behind), then calls {@link Transfer#commit()}, which returns once
 * the client has the output in place. Closing a transfer that was not committed (the build failed
 * or was cancelled) tells the client to discard what it received, so nothing half-written is left
 * at the destination. Implementations are thread-safe; one transfer is used by one thread.
 */
public interface ClientOutput {

    /** What the bytes of a transfer are. */
    enum Kind {
        /** The output file itself (an OCI or docker archive, a tar of the file system). */
        FILE,
        /** A tar of a directory tree that the client unpacks into the destination directory. */
        DIRECTORY
    }

    /** Starts sending this output to the client. */
    Transfer open(Kind kind) throws IOException;

    /** One output on its way to the client; {@link #close()} without {@link #commit()} aborts it. */
    interface Transfer extends Closeable {
        /** Where the output's bytes go; closing it does not commit. */
        OutputStream stream();

        /** Ends the transfer and waits until the client has put the output at its destination. */
        void commit() throws IOException;

        /** Aborts the transfer unless it was committed; the client discards what it received. */
        @Override
        void close();
    }
}
