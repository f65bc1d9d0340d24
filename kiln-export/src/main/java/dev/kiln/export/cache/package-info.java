/**
 * A build cache that travels: {@code --cache-to} and {@code --cache-from}.
 *
 * <p><b>Format.</b> A cache is an OCI image manifest (in a registry repository, or in an OCI
 * layout directory) whose config blob has media type {@link dev.kiln.export.cache.CacheConfig#MEDIA_TYPE}
 * and whose layers are every layer blob the cache refers to. The config ({@link
 * dev.kiln.export.cache.CacheConfig}) lists those layers with their diffIDs and maps each
 * step's cache key — the solver's key, the same on any machine for the same Dockerfile, build
 * args and context content — to its results as lists of layer indexes (a snapshot chain,
 * bottom up). {@code type=inline} puts the same config in the image's own config under
 * {@link dev.kiln.export.cache.InlineCache#FIELD}.
 *
 * <p><b>Export</b> ({@link dev.kiln.export.cache.CacheExporter}): mode=min keeps the steps
 * whose results are part of the final image, mode=max every cacheable step; blobs go up in
 * parallel, each skipped when the registry has it, the manifest last.
 *
 * <p><b>Import</b> ({@link dev.kiln.export.cache.CacheImporter}, {@link
 * dev.kiln.export.cache.ImportingCacheStore}): only the manifest and config are read; a hit
 * becomes a lazy result ({@link dev.kiln.worker.RemoteLayers}) whose blobs are downloaded
 * when a step runs on it, or when an output needs their bytes; a push to the registry that
 * holds them needs none ({@link dev.kiln.export.cache.LazyBlobs}: present or mounted).
 *
 * <p><b>Cache mounts</b> travel only when exported with {@code cache-mounts=true}
 * ({@link dev.kiln.export.cache.CacheMountSeeder}).
 */
package dev.kiln.export.cache;
