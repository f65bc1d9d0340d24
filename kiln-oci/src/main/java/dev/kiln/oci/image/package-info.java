/**
 * The OCI image-spec model (manifest, index, config with Docker's runtime config) as immutable
 * records, the one deterministic JSON codec ({@link dev.kiln.oci.image.ImageJson}) and
 * {@link dev.kiln.oci.image.ImageReader}, which resolves an image for a platform out of a content store.
 */
package dev.kiln.oci.image;
