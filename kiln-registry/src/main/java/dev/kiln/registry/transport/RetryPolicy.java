package dev.kiln.registry.transport;

import java.time.Duration;
import java.util.Optional;

/**
 * When and how long to wait before repeating a registry request: on 5xx (but 501), 429 and
 * dropped connections, at most {@code maxAttempts} tries in all, waiting
 * {@code initialBackoff}, then twice that, and so on up to {@code maxBackoff}. A
 * {@code Retry-After} of a number of seconds is honoured up to {@code maxBackoff}.
 *
 * @param maxAttempts    total tries including the first, at least 1
 * @param initialBackoff the wait before the second try
 * @param maxBackoff     the longest wait between two tries
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    /** Four tries, waiting 250 ms, 500 ms, 1 s. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofMillis(250), Duration.ofSeconds(4));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** Whether a response with this status is worth repeating. */
    public boolean retriable(int status) {
        return status == 429 || (status >= 500 && status != 501 && status != 505);
    }

    /** Whether another try is allowed after {@code attempt} tries (1-based) failed. */
    public boolean canRetry(int attempt) {
        return attempt < maxAttempts;
    }

    /** The wait after the {@code attempt}-th try (1-based) failed. */
    public Duration backoff(int attempt, Optional<String> retryAfter) {
        if (retryAfter.isPresent()) {
            try {
                long seconds = Long.parseLong(retryAfter.get().trim());
                Duration wanted = Duration.ofSeconds(Math.max(0, seconds));
                return wanted.compareTo(maxBackoff) > 0 ? maxBackoff : wanted;
            } catch (NumberFormatException httpDate) {
                // an HTTP date: fall through to the exponential wait
            }
        }
        Duration d = initialBackoff;
        for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
