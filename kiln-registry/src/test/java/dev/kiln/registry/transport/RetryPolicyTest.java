package dev.kiln.registry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(500));

    @Test
    void retriesServerErrorsAndTooManyRequestsOnly() {
        assertThat(policy.retriable(500)).isTrue();
        assertThat(policy.retriable(502)).isTrue();
        assertThat(policy.retriable(503)).isTrue();
        assertThat(policy.retriable(429)).isTrue();
        assertThat(policy.retriable(501)).isFalse();
        assertThat(policy.retriable(404)).isFalse();
        assertThat(policy.retriable(401)).isFalse();
        assertThat(policy.retriable(400)).isFalse();
        assertThat(policy.retriable(200)).isFalse();
    }

    @Test
    void isBoundedByMaxAttempts() {
        assertThat(policy.canRetry(1)).isTrue();
        assertThat(policy.canRetry(3)).isTrue();
        assertThat(policy.canRetry(4)).isFalse();
        assertThat(new RetryPolicy(1, Duration.ZERO, Duration.ZERO).canRetry(1)).isFalse();
    }

    @Test
    void backsOffExponentiallyUpToTheCap() {
        assertThat(policy.backoff(1, Optional.empty())).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2, Optional.empty())).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(3, Optional.empty())).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(4, Optional.empty())).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.backoff(30, Optional.empty())).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void honoursRetryAfterSecondsButNotBeyondTheCap() {
        RetryPolicy slow = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThat(slow.backoff(1, Optional.of("2"))).isEqualTo(Duration.ofSeconds(2));
        assertThat(slow.backoff(1, Optional.of("120"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(slow.backoff(2, Optional.of("Wed, 21 Oct 2015 07:28:00 GMT"))).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(2, Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
