package dev.kiln.daemon.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The sessions clients have attached, by session id, so that a Solve can find the session
 * that serves its context. A session leaves the registry when its stream ends. Thread-safe.
 */
public final class SessionRegistry {
    private final Map<String, AttachedSession> sessions = new HashMap<>();

    synchronized void add(AttachedSession s) {
        AttachedSession old = sessions.put(s.id(), s);
        if (old != null) {
            old.close("replaced by a new stream with the same session id");
        }
        notifyAll();
    }

    synchronized void remove(AttachedSession s) {
        sessions.remove(s.id(), s);
    }

    /** The attached session {@code id}, waiting up to {@code timeoutMillis} for it to attach; null if it never did. */
    public synchronized AttachedSession await(String id, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            AttachedSession s = sessions.get(id);
            if (s != null) {
                return s;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
    }

    public synchronized int size() {
        return sessions.size();
    }
}
