/**
 * The Dockerfile syntax layer: {@link dev.kiln.dockerfile.parser.DockerfileParser} reads text
 * into a tree of {@link dev.kiln.dockerfile.parser.Node}s with BuildKit's rules (directives,
 * continuations, JSON or shell forms, flags, heredocs); {@link dev.kiln.dockerfile.parser.AstDumper}
 * prints BuildKit's test dump. Nothing here knows what an instruction means; see
 * {@code dev.kiln.dockerfile.instructions} for that.
 */
package dev.kiln.dockerfile.parser;
