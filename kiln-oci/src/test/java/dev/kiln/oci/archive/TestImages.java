package dev.kiln.oci.archive;

import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.oci.layer.LayerWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/** Builds small real images in a content store for the archive tests. */
final class TestImages {
    /** What was built: the manifest descriptor and the layers' diffIDs and blobs. */
    record Built(Descriptor manifest, List<LayerBlob> layers, Descriptor config) {}

    private TestImages() {}

    /** A busybox image: /bin/busybox from the host plus an /bin/sh symlink, and a second small layer. */
    static Built busybox(ContentStore store, Path work) throws IOException {
        Path base = Files.createDirectories(work.resolve("base/bin"));
        Files.copy(Path.of("/bin/busybox"), base.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(base.resolve("sh"), Path.of("busybox"));
        Path top = Files.createDirectories(work.resolve("top/etc"));
        Files.writeString(top.resolve("motd"), "built by kiln\n");
        LayerWriter writer = new LayerWriter(store);
        LayerWriter.Options options = LayerWriter.Options.DEFAULT.withSourceDateEpoch(Instant.parse("2024-01-01T00:00:00Z"));
        LayerBlob l1 = writer.write(work.resolve("base"), LayerSource.TREE, options);
        LayerBlob l2 = writer.write(work.resolve("top"), LayerSource.TREE, options);
        ImageConfig config = ImageConfig.scratch(Platform.parse("linux/amd64"))
                .withCreated(Instant.parse("2024-01-01T00:00:00Z"))
                .withConfig(ImageConfig.scratch(Platform.parse("linux/amd64")).config()
                        .withEnvVar("PATH", "/bin").withCmd(List.of("sh")))
                .withLayer(l1.diffId(), ImageConfig.History.of(null, "COPY busybox /bin/", false))
                .withLayer(l2.diffId(), ImageConfig.History.of(null, "COPY motd /etc/", false));
        byte[] configBytes = config.toJson();
        Descriptor cd = Descriptor.of(MediaTypes.OCI_CONFIG, store.write(configBytes), configBytes.length);
        ImageManifest manifest = ImageManifest.oci(cd, List.of(l1.descriptor(), l2.descriptor()));
        byte[] mb = manifest.toJson();
        Descriptor md = Descriptor.of(MediaTypes.OCI_MANIFEST, store.write(mb), mb.length);
        return new Built(md, List.of(l1, l2), cd);
    }
}
