package dev.kiln.export.cache;

import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.worker.BlobFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Copies cache blobs from an OCI layout directory into the content store, verifying each digest. */
public record LayoutBlobFetcher(Path layout) implements BlobFetcher {

    static Path blobPath(Path layout, Descriptor d) {
        return layout.resolve("blobs").resolve(d.digestValue().algorithm()).resolve(d.digestValue().hex());
    }

    @Override
    public void fetch(Descriptor blob, ContentStore store) throws IOException {
        if (store.exists(blob.digestValue())) {
            return;
        }
        Path file = blobPath(layout, blob);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException("cache blob " + blob.digest() + " is missing from " + layout);
        }
        try (ContentStore.Writer w = store.writer(); InputStream in = Files.newInputStream(file)) {
            in.transferTo(w.stream());
            w.commit(Optional.of(blob.digestValue()));
        }
    }

    @Override
    public String describe() {
        return "dir " + layout;
    }
}
