/**
 * Registry credentials as the engine sees them: a {@link dev.kiln.session.credentials.CredentialSource}
 * answers "who am I on this registry" with {@link dev.kiln.session.credentials.Credentials}.
 */
package dev.kiln.session.credentials;
