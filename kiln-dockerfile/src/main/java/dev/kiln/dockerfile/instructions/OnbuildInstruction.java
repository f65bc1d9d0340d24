package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/**
 * {@code ONBUILD <instruction>}: a trigger stored in the image config and run by builds that use
 * the image as a base. {@code expression} is the inner instruction's text (with any heredocs
 * appended, as BuildKit stores it); it is never expanded here.
 */
public record OnbuildInstruction(String expression, SourceLocation location, String original) implements Instruction {
}
