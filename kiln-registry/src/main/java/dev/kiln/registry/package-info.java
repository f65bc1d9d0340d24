/**
 * Kiln's OCI distribution-spec client: {@link dev.kiln.registry.RegistryClient} resolves,
 * pulls and pushes images; subpackages hold the transport, authentication, manifest reading
 * and docker config credentials it is made of.
 */
package dev.kiln.registry;
