package dev.kiln.export;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.archive.AtomicFile;
import dev.kiln.oci.archive.DockerArchiveWriter;
import dev.kiln.oci.archive.NamedImage;
import dev.kiln.oci.archive.OciLayoutWriter;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.registry.PushResult;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.session.ClientOutput;
import dev.kiln.solver.Result;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.MountedTree;
import dev.kiln.worker.images.ImageStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes a build's result where the user asked: the local image store ({@code -t}, type
 * image), a registry ({@code push=true}, type registry), an OCI or docker archive, a
 * directory (type local) or a tar of the file system.
 * Files and directories are written under a temporary name and renamed into place, so a
 * failed export leaves nothing half-written at the destination. Pushes go through the
 * registry client given to {@link #write}: the build's, asking its session for credentials.
 * A file output with a {@link OutputSpec#client() client} is streamed to that client instead
 * (a build through kilnd), which writes it on its own machine with the same temp-then-rename rule.
 */
public final class Outputs {
    private final ImageStore images;
    private final KilnWorker worker;
    private final ContentStore content;

    public Outputs(ImageStore images, KilnWorker worker, ContentStore content) {
        this.images = images;
        this.worker = worker;
        this.content = content;
    }

    /** What one output did that the user may want to know (pushed digests). */
    public record Written(List<String> pushed) {}

    /**
     * Writes one output. {@code names} are the {@code -t} names, used by image and archive outputs;
     * {@code registry} is the build's client, used for pushes.
     */
    public Written write(OutputSpec spec, Result root, ImageExporter.ExportedImage image, List<ImageReference> names,
                         Platform platform, RegistryClient registry, TransferListener listener) throws IOException {
        List<NamedImage> named = names.isEmpty() ? List.of(new NamedImage(Optional.empty(), image.manifest()))
                : names.stream().map(n -> NamedImage.of(n.toString(), image.manifest())).toList();
        List<String> pushed = new java.util.ArrayList<>();
        switch (spec.type()) {
            case "image", "registry" -> {
                String nameAttr = spec.attrs().getOrDefault("name", spec.attrs().get("ref"));
                List<ImageReference> tags = nameAttr != null
                        ? List.of(nameAttr.split(",")).stream().map(String::trim).map(ImageReference::parse).toList() : names;
                boolean push = spec.type().equals("registry") || spec.attrs().getOrDefault("push", "false").equals("true");
                if (tags.isEmpty()) {
                    throw new KilnException("output type " + spec.type() + " needs a name (-t NAME or name=NAME)");
                }
                for (ImageReference n : tags) {
                    images.tag(n, image.manifest());
                    if (push) {
                        PushResult r = registry.push(n, image.manifest(), content, listener);
                        pushed.add(n.withDigest(null) + "@" + r.digest());
                    }
                }
            }
            case "oci" -> {
                if (spec.client() != null) {
                    toClient(spec.client(), ClientOutput.Kind.FILE, out -> new OciLayoutWriter(content).writeTar(named, out));
                } else {
                    new OciLayoutWriter(content).writeTar(named, Path.of(spec.dest()));
                }
            }
            case "docker" -> {
                if (spec.client() != null) {
                    toClient(spec.client(), ClientOutput.Kind.FILE, out -> dockerArchive(named, platform, out));
                } else {
                    new DockerArchiveWriter(content, platform).write(named, Path.of(spec.dest()));
                }
            }
            case "local" -> {
                if (spec.client() != null) {
                    toClient(spec.client(), ClientOutput.Kind.DIRECTORY, out -> treeTar(root, out));
                } else {
                    local(root, Path.of(spec.dest()));
                }
            }
            case "tar" -> {
                if (spec.client() != null) {
                    toClient(spec.client(), ClientOutput.Kind.FILE, out -> treeTar(root, out));
                } else {
                    tar(root, spec.dest());
                }
            }
            default -> throw new KilnException("unsupported output type " + spec.type());
        }
        return new Written(pushed);
    }

    /** Writes an output's bytes to a stream. */
    @FunctionalInterface
    private interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Streams an output to the client that will write it ({@link ClientOutput}): committed once
     * all bytes are written, aborted (the client discards it) when writing fails.
     */
    private static void toClient(ClientOutput client, ClientOutput.Kind kind, StreamBody body) throws IOException {
        try (ClientOutput.Transfer transfer = client.open(kind)) {
            OutputStream out = new BufferedOutputStream(transfer.stream(), 1 << 18);
            body.write(out);
            out.flush();
            transfer.commit();
        }
    }

    /** A docker archive as a stream; its layers are staged in a temporary directory removed afterwards. */
    private void dockerArchive(List<NamedImage> named, Platform platform, OutputStream out) throws IOException {
        Path scratch = Files.createTempDirectory("kiln-docker-archive-");
        try {
            new DockerArchiveWriter(content, platform).write(named, out, scratch);
        } finally {
            try (var s = Files.walk(scratch)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The result's file system as a tar, as {@code type=tar} writes it and {@code type=local} copies it. */
    private void treeTar(Result root, OutputStream out) throws IOException {
        try (MountedTree tree = worker.view(root)) {
            LayerWriter.writeTar(tree.root(), LayerSource.TREE, Optional.empty(), out);
        }
    }

    private void local(Result root, Path dest) throws IOException {
        AtomicFile.writeDirectory(dest, tmp -> {
            try (MountedTree tree = worker.view(root)) {
                new LayerApplier(LayerApplier.Mode.MERGED).applyDirectory(tree.root(), LayerSource.TREE, tmp);
            }
        });
    }

    private void tar(Result root, String dest) throws IOException {
        if (dest.equals("-")) {
            try (MountedTree tree = worker.view(root)) {
                OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
                LayerWriter.writeTar(tree.root(), LayerSource.TREE, Optional.empty(), out);
                out.flush();
            }
            return;
        }
        AtomicFile.writeFile(Path.of(dest), tmp -> {
            try (MountedTree tree = worker.view(root);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                LayerWriter.writeTar(tree.root(), LayerSource.TREE, Optional.empty(), out);
            }
        });
    }
}
