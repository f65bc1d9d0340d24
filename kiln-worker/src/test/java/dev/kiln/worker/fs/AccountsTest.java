package dev.kiln.worker.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --chown and WORKDIR owners resolved in the image's /etc/passwd and /etc/group. */
class AccountsTest {
    @TempDir
    Path root;

    @Test
    void namesUseTheImageFilesAndAUserNameAloneTakesItsPrimaryGroup() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nbob:x:1501:1502::/home/bob:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nbob:x:1502:\ndevs:x:1600:bob\n");
        Accounts a = new Accounts(root);
        assertThat(a.resolve("bob", null)).isEqualTo(new Accounts.Owner(1501, 1502));
        assertThat(a.resolve("bob", "devs")).isEqualTo(new Accounts.Owner(1501, 1600));
        assertThat(a.resolve("bob", "7")).isEqualTo(new Accounts.Owner(1501, 7));
        assertThat(a.resolve("1000", null)).isEqualTo(new Accounts.Owner(1000, 1000));
        assertThat(a.resolve("1000", "devs")).isEqualTo(new Accounts.Owner(1000, 1600));
        assertThatThrownBy(() -> a.resolve("nobody", null)).hasMessageContaining("unable to find user nobody");
        assertThatThrownBy(() -> a.resolve("bob", "nogroup")).hasMessageContaining("unable to find group nogroup");
    }
}
