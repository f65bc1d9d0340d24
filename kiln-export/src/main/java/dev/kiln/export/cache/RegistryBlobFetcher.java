package dev.kiln.export.cache;

import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.worker.BlobFetcher;

/** Fetches cache blobs from the repository of a registry cache reference. Thread-safe. */
public record RegistryBlobFetcher(RegistryClient registry, ImageReference repo, TransferListener listener)
        implements BlobFetcher {

    @Override
    public void fetch(Descriptor blob, ContentStore store) {
        registry.fetchBlob(repo, blob, store, listener);
    }

    @Override
    public String describe() {
        return "registry " + repo.registry() + "/" + repo.repository();
    }
}
