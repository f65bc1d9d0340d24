/**
 * Registry authentication: parsing {@code WWW-Authenticate} challenges and answering them
 * with Basic credentials or bearer tokens from a token server.
 */
package dev.kiln.registry.auth;
