package dev.kiln.registry;

import dev.kiln.oci.Descriptor;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records requests and blob outcomes, for assertions. */
final class RecordingListener implements TransferListener {
    final List<String> requests = new CopyOnWriteArrayList<>();
    final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

    @Override
    public void exchanged(String method, URI uri, int status) {
        requests.add(method + " " + uri.getPath() + (uri.getQuery() == null ? "" : "?" + uri.getQuery()) + " " + status);
    }

    @Override
    public void finished(Descriptor blob, Direction direction, Outcome outcome) {
        outcomes.put(blob.digest(), outcome);
    }

    long count(String method) {
        return requests.stream().filter(r -> r.startsWith(method + " ")).count();
    }

    long count(String method, String pathPart) {
        return requests.stream().filter(r -> r.startsWith(method + " ") && r.contains(pathPart)).count();
    }
}
