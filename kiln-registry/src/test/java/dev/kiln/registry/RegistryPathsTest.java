package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Digest;
import dev.kiln.oci.ImageReference;
import org.junit.jupiter.api.Test;

class RegistryPathsTest {
    private static final String HEX = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    @Test
    void shortNamesMapToDockerHubLibraryPaths() {
        ImageReference ref = ImageReference.parse("busybox");
        assertThat(ref.registry()).isEqualTo("docker.io");
        assertThat(RegistryPaths.manifest(ref)).isEqualTo("/v2/library/busybox/manifests/latest");
        assertThat(RegistryPaths.pullScope(ref.repository())).isEqualTo("repository:library/busybox:pull");
    }

    @Test
    void digestWinsOverTag() {
        ImageReference ref = ImageReference.parse("127.0.0.1:5000/team/app:1@sha256:" + HEX);
        assertThat(RegistryPaths.manifest(ref)).isEqualTo("/v2/team/app/manifests/sha256:" + HEX);
    }

    @Test
    void blobUploadAndMountPaths() {
        Digest d = new Digest("sha256", HEX);
        assertThat(RegistryPaths.blob("team/app", d)).isEqualTo("/v2/team/app/blobs/sha256:" + HEX);
        assertThat(RegistryPaths.uploads("team/app")).isEqualTo("/v2/team/app/blobs/uploads/");
        assertThat(RegistryPaths.mount("team/app", d, "team/base"))
                .isEqualTo("/v2/team/app/blobs/uploads/?mount=sha256%3A" + HEX + "&from=team%2Fbase");
        assertThat(RegistryPaths.pushScope("team/app")).isEqualTo("repository:team/app:pull,push");
    }

    @Test
    void digestIsAppendedToUploadLocationsWithOrWithoutQuery() {
        Digest d = new Digest("sha256", HEX);
        assertThat(RegistryPaths.withDigest("http://r/v2/a/blobs/uploads/u1?_state=xyz", d))
                .isEqualTo("http://r/v2/a/blobs/uploads/u1?_state=xyz&digest=sha256%3A" + HEX);
        assertThat(RegistryPaths.withDigest("http://r/v2/a/blobs/uploads/u1", d))
                .isEqualTo("http://r/v2/a/blobs/uploads/u1?digest=sha256%3A" + HEX);
    }

    @Test
    void acceptHeaderListsOciAndDockerTypes() {
        assertThat(RegistryPaths.MANIFEST_ACCEPT)
                .contains("application/vnd.oci.image.index.v1+json")
                .contains("application/vnd.oci.image.manifest.v1+json")
                .contains("application/vnd.docker.distribution.manifest.list.v2+json")
                .contains("application/vnd.docker.distribution.manifest.v2+json");
    }
}
