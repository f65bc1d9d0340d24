package dev.kiln.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class TarStreamTest {
    static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0};

    private static List<TarEntry> sample() {
        String longName = "deep/" + "d".repeat(120) + "/file-with-a-long-name.txt";
        return List.of(
                TarEntry.directory("deep", 0755, 0, 0, 1_700_000_000L),
                TarEntry.directory("deep/" + "d".repeat(120), 0700, 1000, 1000, 1_700_000_000L),
                TarEntry.file(longName, 0644, 3_000_000, 4_000_000, 1_700_000_001L, 5),
                TarEntry.file("ping", 04755, 0, 0, 1, 3).withXattrs(Map.of("security.capability", CAPABILITY)),
                TarEntry.symlink("link", "/" + "t".repeat(150), 0, 0, 2),
                new TarEntry("hard", TarEntry.Type.HARDLINK, 0644, 0, 0, 3, 0, "ping", 0, 0, null),
                new TarEntry("null", TarEntry.Type.CHAR_DEVICE, 0666, 0, 0, 4, 0, null, 1, 3, null),
                new TarEntry("sda", TarEntry.Type.BLOCK_DEVICE, 0660, 0, 6, 5, 0, null, 8, 0, null),
                new TarEntry("fifo", TarEntry.Type.FIFO, 0600, 0, 0, 6, 0, null, 0, 0, null),
                TarEntry.file("ünïcødé.txt", 0644, 0, 0, 7, 0));
    }

    private static byte[] write(List<TarEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarStreamWriter w = new TarStreamWriter(out);
        for (TarEntry e : entries) {
            w.putEntry(e);
            byte[] content = new byte[(int) e.size()];
            java.util.Arrays.fill(content, (byte) 'x');
            w.writeContent(new ByteArrayInputStream(content));
        }
        w.finish();
        return out.toByteArray();
    }

    @Test
    void roundTripsEveryEntryKindIncludingBinaryXattrsAndBigIds() throws IOException {
        byte[] tar = write(sample());
        assertThat(tar.length % 512).isZero();
        TarStreamReader r = new TarStreamReader(new ByteArrayInputStream(tar));
        List<TarEntry> read = new ArrayList<>();
        for (TarEntry e = r.next(); e != null; e = r.next()) {
            read.add(e);
            if (e.size() > 0) {
                assertThat(r.content().readAllBytes()).hasSize((int) e.size());
            }
        }
        assertThat(read).isEqualTo(sample());
        assertThat(read.get(3).xattrs().get("security.capability")).isEqualTo(CAPABILITY);
    }

    @Test
    void commonsCompressReadsWhatWeWrite() throws IOException {
        byte[] tar = write(sample());
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
                assertThat(e.getUserName()).isEmpty();
                assertThat(e.getGroupName()).isEmpty();
                if (e.getName().endsWith("file-with-a-long-name.txt")) {
                    assertThat(e.getLongUserId()).isEqualTo(3_000_000);
                    assertThat(e.getLongGroupId()).isEqualTo(4_000_000);
                    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("xxxxx");
                }
                if (e.isSymbolicLink()) {
                    assertThat(e.getLinkName()).hasSize(151);
                }
                if (e.isCharacterDevice()) {
                    assertThat(e.getDevMajor()).isEqualTo(1);
                    assertThat(e.getDevMinor()).isEqualTo(3);
                }
            }
        }
        assertThat(names).containsExactly("deep/", "deep/" + "d".repeat(120) + "/",
                "deep/" + "d".repeat(120) + "/file-with-a-long-name.txt", "ping", "link", "hard", "null", "sda", "fifo",
                "ünïcødé.txt");
    }

    @Test
    void readsGnuLongNamesAndBase256NumbersFromOtherWriters() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String longName = "x/".repeat(80) + "file";
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            TarArchiveEntry e = new TarArchiveEntry("./" + longName);
            e.setSize(2);
            e.setIds(9_000_000, 7);
            t.putArchiveEntry(e);
            t.write(new byte[] {1, 2});
            t.closeArchiveEntry();
        }
        TarStreamReader r = new TarStreamReader(new ByteArrayInputStream(out.toByteArray()));
        TarEntry e = r.next();
        assertThat(e.name()).isEqualTo("./" + longName);
        assertThat(e.uid()).isEqualTo(9_000_000);
        assertThat(r.content().readAllBytes()).containsExactly(1, 2);
        assertThat(r.next()).isNull();
    }

    @Test
    void rejectsGarbage() {
        byte[] junk = new byte[1024];
        java.util.Arrays.fill(junk, (byte) 'a');
        assertThatThrownBy(() -> new TarStreamReader(new ByteArrayInputStream(junk)).next())
                .isInstanceOf(IOException.class);
    }

    @Test
    void writerRefusesShortContent() throws IOException {
        TarStreamWriter w = new TarStreamWriter(new ByteArrayOutputStream());
        w.putEntry(TarEntry.file("f", 0644, 0, 0, 0, 10));
        assertThatThrownBy(() -> w.writeContent(new ByteArrayInputStream(new byte[3]))).isInstanceOf(IOException.class);
    }
}
