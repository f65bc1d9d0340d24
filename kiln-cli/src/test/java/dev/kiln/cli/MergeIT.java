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
 * Merge and diff ops through the embedded client with real overlay snapshots: a tree stacked on
 * a base shows the base's files, the stacked files, and the stacked tree's deletions; the diff
 * of a RUN against its base is one layer holding only the RUN's changes, and stacked on another
 * tree it adds, replaces and deletes what the RUN did.
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
        assertThat(logs(events)).contains("base\n", "top\n", "gone-kept", "true-removed");
    }

    @Test
    void aDiffHoldsOnlyTheRunsChangesAndReplaysThemOnAnotherTree() throws Exception {
        Path state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        State base = State.image("busybox:latest")
                .run("echo base > /base.txt && echo keep > /keep.txt && echo doomed > /doomed.txt");
        State changed = base.run("mkdir -p /opt/new && echo added > /opt/new/added.txt && echo changed > /keep.txt "
                + "&& rm /doomed.txt");
        State diff = State.diff(base, changed);
        State other = State.image("busybox:latest").run("echo other > /doomed.txt && echo other > /other.txt");
        State replayed = State.merge(List.of(other, diff))
                .run("cat /opt/new/added.txt /keep.txt /other.txt; test -e /doomed.txt || echo doomed-gone; "
                        + "test -e /base.txt || echo no-base");
        State onBase = State.merge(List.of(base, diff)).run("cat /base.txt /keep.txt /opt/new/added.txt; "
                + "test -e /doomed.txt || echo doomed-gone-too");
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilnClient client = KilnClient.embedded(state)) {
            client.solve(diff, null, List.of("diff-only:1"), events::add);
            client.solve(replayed, null, List.of(), events::add);
            client.solve(onBase, null, List.of(), events::add);
        }
        assertThat(events).noneMatch(e -> e instanceof ProgressEvent.Completed c && c.error() != null);
        assertThat(logs(events)).contains("added\nchanged\nother\ndoomed-gone\nno-base\n",
                "base\nchanged\nadded\ndoomed-gone-too\n");

        Path archive = tmp.resolve("diff.tar");
        KilnRunner.Run save = kiln.run("save", "diff-only:1", "-o", archive.toString());
        assertThat(save.exit()).as(save.all()).isZero();
        List<OciArchiveImage.Layer> layers = OciArchiveImage.read(archive).layers();
        assertThat(layers).as("the diff is one layer").hasSize(1);
        assertThat(layers.getFirst().entries()).as("only the RUN's changes, its deletion as a whiteout")
                .containsExactlyInAnyOrder(".wh.doomed.txt", "keep.txt", "opt/", "opt/new/", "opt/new/added.txt");
    }

    private static String logs(List<ProgressEvent> events) {
        StringBuilder logs = new StringBuilder();
        for (ProgressEvent e : events) {
            if (e instanceof ProgressEvent.Log l) {
                logs.append(new String(l.data(), StandardCharsets.UTF_8));
            }
        }
        return logs.toString();
    }
}
