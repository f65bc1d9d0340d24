/**
 * Image archives: OCI image layouts (directory or tar) and {@code docker save} tars, written from
 * and read into a content store, and format detection for {@code kiln load}
 * ({@link dev.kiln.oci.archive.ImageArchiveReader}).
 */
package dev.kiln.oci.archive;
