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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merge ops through the embedded client with real overlay snapshots: a tree stacked on a base
 * shows the base's files, the stacked files, and the stacked tree's deletions.
 */
class MergeIT {
    @TempDir
    Path tmp;

    @Test
    void aMergedTreeHasTheBaseTheLayersOnTopAndTheirDeletions() throws Exception {
        Path state = tmp.resolve("state");
        KilnRunner.withBusybox(tmp, state);
        State base = State.image("busybox:latest").run("echo base > /base.txt && echo old > /gone.txt");
        State upper = State.image("busybox:latest")
                .run("mkdir -p /opt/app && echo top > /opt/app/top.txt && rm /bin/true");
        State merged = State.merge(List.of(base, upper))
                .run("cat /base.txt /opt/app/top.txt; test -e /gone.txt && echo gone-kept; "
                        + "test -e /bin/true || echo true-removed");
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilnClient client = KilnClient.embedded(state)) {
            client.solve(merged, null, List.of("merged:1"), events::add);
        }
        StringBuilder logs = new StringBuilder();
        for (ProgressEvent e : events) {
            if (e instanceof ProgressEvent.Log l) {
                logs.append(new String(l.data(), StandardCharsets.UTF_8));
            }
        }
        assertThat(logs.toString()).contains("base\n", "top\n", "gone-kept", "true-removed");
    }
}
