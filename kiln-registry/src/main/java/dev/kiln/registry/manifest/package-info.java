/**
 * Reading manifests and indexes as far as transfers need them, and choosing an index entry
 * for a platform. The full image model lives in kiln-oci.
 */
package dev.kiln.registry.manifest;
