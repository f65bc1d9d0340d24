package dev.kiln.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.daemon.api.BuildRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildHistoryTest {
    @TempDir
    Path tmp;

    static BuildRecord rec(String ref, String status) {
        return BuildRecord.newBuilder().setRef(ref).setStatus(status).build();
    }

    @Test
    void keepsTheNewestFinishedBuildsAcrossARestartAndRunningOnesFirst() {
        Path file = tmp.resolve("daemon/history");
        BuildHistory h = new BuildHistory(file, 3);
        for (int i = 0; i < 5; i++) {
            h.started(rec("b" + i, "running"));
            h.finished(rec("b" + i, i % 2 == 0 ? "completed" : "failed"));
        }
        h.started(rec("live", "running"));
        assertThat(h.list(0)).extracting(BuildRecord::getRef).containsExactly("live", "b4", "b3", "b2");
        assertThat(h.runningCount()).isEqualTo(1);
        BuildHistory reloaded = new BuildHistory(file, 3);
        assertThat(reloaded.list(0)).extracting(BuildRecord::getRef).containsExactly("b4", "b3", "b2");
        assertThat(reloaded.list(2)).hasSize(2);
    }

    @Test
    void aTornHistoryFileStartsAnEmptyHistory() throws Exception {
        Path file = tmp.resolve("history");
        Files.write(file, new byte[] {(byte) 0x7f, 1, 2});
        assertThat(new BuildHistory(file, 10).list(0)).isEmpty();
    }
}
