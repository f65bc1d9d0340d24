/**
 * The typed model of a Dockerfile: {@link dev.kiln.dockerfile.instructions.InstructionParser}
 * turns the syntax tree into a {@link dev.kiln.dockerfile.instructions.DockerfileModel} of
 * {@link dev.kiln.dockerfile.instructions.Stage}s holding sealed
 * {@link dev.kiln.dockerfile.instructions.Instruction} records. Values stay as written;
 * the converter expands them at the right point with
 * {@link dev.kiln.dockerfile.instructions.Expandable#expand} and a
 * {@link dev.kiln.dockerfile.instructions.WordExpander} (usually a
 * {@link dev.kiln.dockerfile.instructions.ShellWordExpander}, which also records the variables used).
 */
package dev.kiln.dockerfile.instructions;
