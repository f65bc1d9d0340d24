package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.progress.ProgressEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefinitionProgressTest {
    @TempDir
    Path ctx;

    @Test
    void reportsTheDefinitionAndTheDockerignoreWithTheirSizes() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n");
        Files.writeString(ctx.resolve(".dockerignore"), "*.log\n");
        List<ProgressEvent> events = new ArrayList<>();
        DefinitionProgress.report(events::add, ctx, null);
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.Started).extracting(e -> ((ProgressEvent.Started) e).name())
                .containsExactly("[internal] load build definition from Dockerfile", "[internal] load .dockerignore");
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.Status).extracting(e -> ((ProgressEvent.Status) e).message())
                .containsExactly("transferring dockerfile: 13B", "transferring context: 6B");
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.Completed c && c.error() == null).hasSize(2);
    }

    @Test
    void withoutADockerignoreOnlyTheDefinitionIsReported() throws Exception {
        Path df = Files.writeString(ctx.resolve("build.Dockerfile"), "FROM scratch\n".repeat(100));
        List<ProgressEvent> events = new ArrayList<>();
        DefinitionProgress.report(events::add, ctx, df);
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.Status).extracting(e -> ((ProgressEvent.Status) e).message())
                .containsExactly("transferring dockerfile: 1.30kB");
        assertThat(events).hasSize(3);
    }
}
