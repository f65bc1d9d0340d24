package dev.kiln.worker;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The stdout or stderr of a RUN step: forwards every chunk to progress as it arrives and
 * keeps the last lines, which the error message of a failed step shows.
 */
final class OutputTail extends OutputStream {
    private static final int KEEP_LINES = 10;
    private final String vertex;
    private final int stream;
    private final ProgressSink progress;
    private final Deque<String> lines;
    private final StringBuilder partial = new StringBuilder();

    OutputTail(String vertex, int stream, ProgressSink progress, Deque<String> sharedLines) {
        this.vertex = vertex;
        this.stream = stream;
        this.progress = progress;
        this.lines = sharedLines;
    }

    static Deque<String> newLines() {
        return new ArrayDeque<>();
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        progress.accept(new ProgressEvent.Log(vertex, stream, Arrays.copyOfRange(b, off, off + len), Instant.now()));
        String s = new String(b, off, len, StandardCharsets.UTF_8);
        synchronized (lines) {
            for (char c : s.toCharArray()) {
                if (c == '\n') {
                    push(partial.toString());
                    partial.setLength(0);
                } else {
                    partial.append(c);
                }
            }
        }
    }

    private void push(String line) {
        lines.addLast(line);
        while (lines.size() > KEEP_LINES) {
            lines.removeFirst();
        }
    }

    @Override
    public void close() {
        synchronized (lines) {
            if (!partial.isEmpty()) {
                push(partial.toString());
                partial.setLength(0);
            }
        }
    }

    static List<String> snapshot(Deque<String> lines) {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }
}
