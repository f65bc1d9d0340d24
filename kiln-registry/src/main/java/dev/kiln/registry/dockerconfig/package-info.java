/**
 * Credentials from the user's docker client configuration ({@code config.json}) and docker
 * credential helpers, read and written the way docker does.
 */
package dev.kiln.registry.dockerconfig;
