package dev.kiln.cli;

import java.util.concurrent.Callable;

/**
 * Runs a long command so that Ctrl-C and SIGTERM cancel it cleanly: a shutdown hook
 * interrupts the working thread (the solver then stops running containers and releases
 * mounts) and waits for it to finish before the JVM exits.
 */
final class Interruptible {
    private Interruptible() {}

    static <T> T run(Callable<T> work) throws Exception {
        Thread worker = Thread.currentThread();
        Object done = new Object();
        boolean[] finished = {false};
        Thread hook = new Thread(() -> {
            worker.interrupt();
            synchronized (done) {
                long deadline = System.currentTimeMillis() + 20_000;
                while (!finished[0] && System.currentTimeMillis() < deadline) {
                    try {
                        done.wait(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "kiln-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.call();
        } finally {
            synchronized (done) {
                finished[0] = true;
                done.notifyAll();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running and waits for us
            }
        }
    }
}
