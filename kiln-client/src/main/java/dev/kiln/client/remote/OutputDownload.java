package dev.kiln.client.remote;

import dev.kiln.oci.archive.AtomicFile;
import dev.kiln.oci.layer.LayerApplier;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One build output the daemon sends to this client ({@code -o type=oci|docker|tar|local,dest=…}),
 * written here, on the client's machine, at the destination the client resolved itself. A writer
 * thread takes the bytes (OutputData) from a small queue, so a slow disk slows the daemon down
 * rather than filling memory, and writes them to a hidden temporary file (or, for a directory
 * output, unpacks the tar into a temporary directory) next to the destination; only the daemon's
 * complete OutputEnd lets it rename the result into place. An aborted output (the build failed or
 * was cancelled, or the session ended) is deleted. {@code dest=-} writes a file output to this
 * process's stdout. Created by {@link SessionClient} on OutputOpen; finishes by calling
 * {@code done} with an empty string, or the reason it could not write the output.
 */
final class OutputDownload {
    private static final Object END = new Object();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
    private final String dest;
    private final boolean directory;
    private volatile boolean finished;
    private volatile boolean abandoned;
    private Thread writer;

    private OutputDownload(String dest, boolean directory) {
        this.dest = dest;
        this.directory = directory;
    }

    /** Starts writing an output to {@code dest} (a path relative to this process's directory, or "-"). */
    static OutputDownload start(String name, String dest, boolean directory, Consumer<String> done) {
        OutputDownload d = new OutputDownload(dest, directory);
        d.writer = Thread.ofVirtual().name("kiln-output-" + name).start(() -> {
            String error = "";
            try {
                d.write();
            } catch (IOException | RuntimeException e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            } finally {
                d.finished = true;
                d.queue.clear();
            }
            done.accept(error);
        });
        return d;
    }

    /** The next bytes from the daemon; waits while the writer is behind, drops them once it gave up. */
    void data(byte[] bytes) {
        put(bytes);
    }

    /** The daemon's OutputEnd: complete when {@code error} is empty, else the output is discarded. */
    void end(String error) {
        put(error.isEmpty() ? END : error);
    }

    /** Discards the output (the session ended before it was complete) and waits a little for the writer to clean up. */
    void abort(String reason) {
        abandoned = true;
        if (!finished && !queue.offer(reason)) {
            writer.interrupt();
        }
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void put(Object item) {
        try {
            while (!finished && !abandoned && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                // the writer is behind: gRPC waits with us, so the daemon waits too
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write() throws IOException {
        InputStream in = new QueueInput();
        if (directory) {
            boolean root = isRoot();
            AtomicFile.writeDirectory(Path.of(dest).toAbsolutePath(), tmp -> {
                new LayerApplier(LayerApplier.Mode.MERGED, "trusted.overlay.opaque", root).apply(in, tmp, Optional.empty());
                in.transferTo(OutputStream.nullOutputStream());
            });
        } else if (dest.equals("-")) {
            in.transferTo(System.out);
            System.out.flush();
        } else {
            AtomicFile.writeFile(Path.of(dest).toAbsolutePath(), tmp -> {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
            });
        }
    }

    /** Owners in a directory output are kept only when this process may set them (root), as the daemonless output does. */
    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The queued chunks as a stream: ends at the complete OutputEnd, fails on an abort. */
    private final class QueueInput extends InputStream {
        private byte[] current = new byte[0];
        private int pos;
        private boolean eof;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!eof && pos == current.length) {
                Object next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("the output was abandoned");
                }
                if (next == END) {
                    eof = true;
                } else if (next instanceof String reason) {
                    throw new IOException("the output was not completed: " + reason);
                } else {
                    current = (byte[]) next;
                    pos = 0;
                }
            }
            if (eof) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
