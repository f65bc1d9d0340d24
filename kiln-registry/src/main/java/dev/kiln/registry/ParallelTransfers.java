package dev.kiln.registry;

import dev.kiln.registry.errors.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Runs blob transfers on virtual threads, at most {@code parallelism} at a time, and waits
 * for all of them. The first failure cancels the transfers still running and is rethrown
 * as it was (a {@link RuntimeException} such as a {@link RegistryException}).
 */
final class ParallelTransfers {
    private ParallelTransfers() {}

    /** A transfer that may throw checked exceptions; they are wrapped by the caller's task. */
    @FunctionalInterface
    interface Transfer {
        void run() throws Exception;
    }

    static void runAll(List<Transfer> transfers, int parallelism, String registry) {
        if (transfers.isEmpty()) {
            return;
        }
        Semaphore slots = new Semaphore(parallelism);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (Transfer t : transfers) {
                futures.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        t.run();
                        return null;
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(other -> other.cancel(true));
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new RegistryException(registry, "transfer failed: " + cause, cause);
                } catch (InterruptedException e) {
                    futures.forEach(other -> other.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new RegistryException(registry, "interrupted while transferring blobs", e);
                }
            }
        }
    }
}
