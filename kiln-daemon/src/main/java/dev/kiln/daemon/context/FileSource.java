package dev.kiln.daemon.context;

import java.io.IOException;
import java.util.List;

/**
 * Where a context copy gets file content from: the client at the other end of a session
 * stream, or (in tests) a local directory. Called from the build's thread; blocks until every
 * requested file was handed to the sink.
 */
@FunctionalInterface
public interface FileSource {
    /** Streams the content of the regular files {@code paths}, one after another, to {@code sink}. */
    void send(List<String> paths, ChunkSink sink) throws IOException, InterruptedException;

    /** Receives file content in order; {@code eof} marks a file's last chunk (possibly empty). */
    @FunctionalInterface
    interface ChunkSink {
        void chunk(String path, byte[] data, int offset, int length, boolean eof) throws IOException;
    }
}
