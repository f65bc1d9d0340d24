package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.client.KilnClient;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.dsl.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/java-llb: the example program, run as a user runs it (run.sh over the packaged
 * kiln-cli), builds FROM the local busybox:latest through the embedded {@link KilnClient}; the
 * image is then in the store, and an in-process client reads the RUN's output back from it, in
 * the working directory the example set (the client applies the image's config by default).
 */
class JavaLlbExampleIT {
    @TempDir
    Path tmp;

    @Test
    void theExampleBuildsAndTagsAnImageWhoseRunHappened() throws Exception {
        Path state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        String tag = "java-llb:" + UUID.randomUUID().toString().substring(0, 8);
        ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("examples/java-llb/run.sh").toString(),
                state.toString(), tag);
        KilnRunner.Run example = KilnRunner.finish(pb.start());
        assertThat(example.exit()).as(example.all()).isZero();
        assertThat(example.stderr()).contains("  | java-llb says: hello from a Java-built graph");
        String digest = example.stdout().strip();
        assertThat(digest).startsWith("sha256:");

        KilnRunner.Run images = kiln.run("images");
        assertThat(images.exit()).as(images.all()).isZero();
        assertThat(images.stdout()).contains(tag.substring(tag.indexOf(':') + 1)).contains("java-llb");

        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilnClient client = KilnClient.embedded(state)) {
            client.solve(State.image(tag).run("cat /app/built.txt; echo cwd=$PWD"), null, List.of(), events::add);
        }
        StringBuilder logs = new StringBuilder();
        for (ProgressEvent e : events) {
            if (e instanceof ProgressEvent.Log l) {
                logs.append(new String(l.data(), StandardCharsets.UTF_8));
            }
        }
        assertThat(logs.toString()).contains("java-llb says: hello from a Java-built graph").contains("cwd=/app\n");
        assertThat(events).anyMatch(e -> e instanceof ProgressEvent.Completed c && c.name().startsWith("RUN ")
                && c.error() == null);
    }
}
