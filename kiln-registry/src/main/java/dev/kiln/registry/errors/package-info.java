/**
 * The errors of the registry client, all {@link dev.kiln.common.KilnException}s with complete
 * messages: {@link dev.kiln.registry.errors.RegistryException} and its cases.
 */
package dev.kiln.registry.errors;
