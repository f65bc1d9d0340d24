/**
 * HTTP to registries: per-host settings ({@link dev.kiln.registry.transport.RegistryHosts}),
 * TLS from docker's certs.d layout, scheme fallback, authentication and retries
 * ({@link dev.kiln.registry.transport.RegistryTransport}).
 */
package dev.kiln.registry.transport;
