package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.time.Duration;
import java.util.List;

/**
 * {@code HEALTHCHECK NONE} or {@code HEALTHCHECK [--interval=] [--timeout=] [--start-period=]
 * [--start-interval=] [--retries=] CMD ...}. {@code test} is the image-config form:
 * {@code ["NONE"]}, {@code ["CMD", arg...]} (exec form) or {@code ["CMD-SHELL", "command"]}.
 * Durations are {@link Duration#ZERO} and retries 0 when not given (inherit the default).
 */
public record HealthcheckInstruction(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
                                     Duration startInterval, int retries, SourceLocation location, String original)
        implements Instruction {
    public HealthcheckInstruction {
        test = List.copyOf(test);
    }

    /** True for {@code HEALTHCHECK NONE}: disables any inherited check. */
    public boolean disabled() {
        return test.size() == 1 && test.getFirst().equals("NONE");
    }
}
