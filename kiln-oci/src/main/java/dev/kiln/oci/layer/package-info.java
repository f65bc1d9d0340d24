/**
 * Layer blobs: directories (overlay upper dirs or whole trees) to deterministic, compressed tars
 * in the content store ({@link dev.kiln.oci.layer.LayerWriter}) and tars back to directories
 * ({@link dev.kiln.oci.layer.LayerApplier}), with the tar codec they share
 * ({@link dev.kiln.oci.layer.TarStreamWriter}, {@link dev.kiln.oci.layer.TarStreamReader}).
 */
package dev.kiln.oci.layer;
