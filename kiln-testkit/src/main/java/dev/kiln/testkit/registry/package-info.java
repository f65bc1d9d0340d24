/**
 * A real, throw-away registry for integration tests: {@link dev.kiln.testkit.registry.LabRegistry}
 * runs Debian's distribution registry on loopback, plain, with TLS and Basic auth, or with
 * token auth from an in-process token server.
 */
package dev.kiln.testkit.registry;
