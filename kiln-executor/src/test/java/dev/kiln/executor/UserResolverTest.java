package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.BusyboxRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {

    @TempDir
    Path tmp;

    @Test
    void nameGivesPrimaryGroupHomeAndSupplementaryGroups() throws Exception {
        Path root = BusyboxRootfs.create(tmp.resolve("r"));
        assertThat(UserResolver.resolve(root, "app")).isEqualTo(new ContainerUser(1000, 1000, List.of(50), "/home/app"));
        assertThat(UserResolver.resolve(root, "1000")).isEqualTo(new ContainerUser(1000, 1000, List.of(50), "/home/app"));
        assertThat(UserResolver.resolve(root, "0")).isEqualTo(new ContainerUser(0, 0, List.of(), "/root"));
    }

    @Test
    void explicitGroupReplacesPrimaryAndDropsSupplementary() throws Exception {
        Path root = BusyboxRootfs.create(tmp.resolve("r"));
        assertThat(UserResolver.resolve(root, "app:staff")).isEqualTo(new ContainerUser(1000, 50, List.of(), "/home/app"));
        assertThat(UserResolver.resolve(root, "1000:50")).isEqualTo(new ContainerUser(1000, 50, List.of(), "/home/app"));
        assertThat(UserResolver.resolve(root, "4242:4343")).isEqualTo(new ContainerUser(4242, 4343, List.of(), "/"));
        assertThatThrownBy(() -> UserResolver.resolve(root, "app:wheel"))
                .hasMessage("unable to find group wheel: no matching entries in group file");
    }

    @Test
    void unknownNameIsAnErrorEvenWithoutPasswd() throws Exception {
        Path root = BusyboxRootfs.create(tmp.resolve("r"));
        assertThatThrownBy(() -> UserResolver.resolve(root, "ghost"))
                .isInstanceOf(ExecutorException.class)
                .hasMessage("unable to find user ghost: no matching entries in passwd file");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> UserResolver.resolve(empty, "app"))
                .hasMessage("unable to find user app: no matching entries in passwd file");
        assertThat(UserResolver.resolve(empty, "123")).isEqualTo(new ContainerUser(123, 0, List.of(), "/"));
        assertThat(UserResolver.resolve(empty, "123:45")).isEqualTo(new ContainerUser(123, 45, List.of(), "/"));
    }

    @Test
    void passwdSymlinkCannotEscapeTheRootfs() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("r/etc"));
        Path outside = Files.writeString(tmp.resolve("passwd"), "evil:x:0:0::/:/bin/sh\n");
        Files.createSymbolicLink(root.resolve("passwd"), Path.of("../../../passwd"));
        assertThat(outside).exists();
        assertThatThrownBy(() -> UserResolver.resolve(tmp.resolve("r"), "evil")).hasMessageContaining("no matching entries");
    }
}
