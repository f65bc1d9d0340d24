package dev.kiln.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BusyboxRootfsTest {

    @TempDir
    Path tmp;

    @Test
    void createsBusyboxAppletsUsersAndDirectories() throws Exception {
        Path root = BusyboxRootfs.create(tmp.resolve("rootfs"));

        assertThat(root.resolve("bin/busybox")).isRegularFile().isExecutable();
        assertThat(Files.size(root.resolve("bin/busybox"))).isEqualTo(Files.size(BusyboxRootfs.HOST_BUSYBOX));
        for (String applet : BusyboxRootfs.appletPaths()) {
            if (!applet.equals("bin/busybox")) {
                Path link = root.resolve(applet);
                assertThat(Files.isSymbolicLink(link)).as(applet).isTrue();
                assertThat(link.toRealPath()).isEqualTo(root.resolve("bin/busybox").toRealPath());
            }
        }
        assertThat(Files.readString(root.resolve("etc/passwd")))
                .contains("root:x:0:0:", "app:x:1000:1000:", "nobody:x:65534:");
        assertThat(Files.readString(root.resolve("etc/group"))).contains("staff:x:50:app", "app:x:1000:");
        assertThat((int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat(Files.getAttribute(root.resolve("home/app"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(1000);
        assertThat(root.resolve("root")).isDirectory();
    }

    @Test
    void busyboxRunsFromTheCreatedTree() throws Exception {
        Path root = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Process p = new ProcessBuilder(root.resolve("bin/sh").toString(), "-c", "echo hi").start();
        assertThat(new String(p.getInputStream().readAllBytes())).isEqualTo("hi\n");
        assertThat(p.waitFor()).isZero();
    }
}
