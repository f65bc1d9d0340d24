package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.client.KilnClient;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.dsl.FileActions;
import dev.kiln.llb.dsl.State;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KilnClient#connect}: a graph made with the dsl, solved by a real kilnd over its unix
 * socket, is tagged in the daemon's store and its progress reaches the callback.
 */
class KilnClientRemoteIT {
    @TempDir
    Path tmp;

    @Test
    void aDslGraphSolvedThroughKilndIsTaggedAndReportsProgress() throws Exception {
        Path sock = tmp.resolve("run/kilnd.sock");
        String tag = "remote-llb:" + UUID.randomUUID().toString().substring(0, 8);
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilndProcess daemon = KilndProcess.start(List.of("--config", "/dev/null", "--root",
                tmp.resolve("state").toString(), "--addr", "unix://" + sock, "--metrics-addr", "127.0.0.1:0"))) {
            State s = State.scratch().dir("/etc").file(FileActions.mkfile("motd", 0644, "built remotely " + tag + "\n"));
            try (KilnClient client = KilnClient.connect("unix://" + sock)) {
                var result = client.solve(s, null, List.of(tag), events::add);
                assertThat(result.manifest().digest().toString()).startsWith("sha256:");
            }
        }
        // the daemon has let go of its state dir: list its store directly
        KilnRunner.Run images = new KilnRunner(tmp.resolve("state")).run("images");
        assertThat(images.exit()).as(images.all()).isZero();
        assertThat(images.stdout()).contains("remote-llb").contains(tag.substring(tag.indexOf(':') + 1));
        assertThat(events).anyMatch(e -> e instanceof ProgressEvent.Completed c && c.name().contains("mkfile /etc/motd")
                && c.error() == null);
    }
}
