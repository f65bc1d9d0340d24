package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.client.KilnClient;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.dsl.FileActions;
import dev.kiln.llb.dsl.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KilnClient#connect}: a graph made with the dsl, solved by a real kilnd over its unix
 * socket, is tagged in the daemon's store and its progress reaches the callback; an
 * {@code image:tag} reference is resolved by the daemon (Resolve) to the digest the tag names,
 * and a run on it gets the image config's PATH and working directory.
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

    @Test
    void aTaggedImageIsPinnedByKilndAndRunsGetItsPathAndWorkingDir() throws Exception {
        Path state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        Path ctx = Files.createDirectories(tmp.resolve("tooled"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox:latest
                ENV PATH=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin
                WORKDIR /srv
                RUN mkdir -p /opt/tools && printf '#!/bin/sh\\necho tool ran in $PWD\\n' > /opt/tools/mytool \\
                    && chmod 755 /opt/tools/mytool
                """);
        Path meta = tmp.resolve("meta.json");
        KilnRunner.Run build = kiln.run("build", "-t", "tooled:1", "--metadata-file", meta.toString(), ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();
        String digest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.toFile())
                .get("containerimage.digest").asText();

        Path sock = tmp.resolve("run/kilnd.sock");
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilndProcess daemon = KilndProcess.start(List.of("--config", "/dev/null", "--root", state.toString(),
                "--addr", "unix://" + sock, "--metrics-addr", "127.0.0.1:0"));
             KilnClient client = KilnClient.connect("unix://" + sock)) {
            var resolved = client.resolveImage("tooled:1", dev.kiln.common.Platform.host());
            assertThat(resolved.reference()).endsWith("tooled:1@" + digest);
            assertThat(resolved.config().env()).containsEntry("PATH", "/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin");
            assertThat(resolved.config().workingDir()).isEqualTo("/srv");
            assertThat(client.imageConfig("tooled:1").config().workingDir()).isEqualTo("/srv");

            State s = State.image("tooled:1").run("mytool | tee ran.txt; echo \"path=$PATH\"");
            var result = client.solve(s, null, List.of("tooled-run:1"), events::add);
            assertThat(result.manifest().digest().toString()).startsWith("sha256:");

            assertThatThrownBy(() -> client.resolveImage("no-such-image:1", dev.kiln.common.Platform.host()))
                    .hasMessageContaining("no-such-image");
        }
        StringBuilder logs = new StringBuilder();
        for (ProgressEvent e : events) {
            if (e instanceof ProgressEvent.Log l) {
                logs.append(new String(l.data(), StandardCharsets.UTF_8));
            }
        }
        assertThat(logs.toString()).contains("tool ran in /srv\n", "path=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin\n");
        // the image written keeps the base's config
        Path archive = tmp.resolve("tooled-run.tar");
        KilnRunner.Run save = kiln.run("save", "tooled-run:1", "-o", archive.toString());
        assertThat(save.exit()).as(save.all()).isZero();
        var config = OciArchiveImage.read(archive).config().get("config");
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/srv");
        assertThat(config.get("Env").toString()).contains("PATH=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin");
    }
}
