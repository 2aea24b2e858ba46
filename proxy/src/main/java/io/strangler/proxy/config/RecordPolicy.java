package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * A route's recording: which requests are kept, with legacy's answer, in capture files for a later replay.
 *
 * @param enabled record this route's traffic
 * @param sampleRate fraction of the route's requests recorded, 0 to 1
 * @param maxBytes a request whose request and response bodies together are larger is not recorded (counted)
 * @param rotateBytes uncompressed bytes per capture file before the next file starts
 * @param maxFiles capture files kept at most per route; the oldest are deleted (disk used stays under about
 *     {@code maxFiles} × {@code rotateBytes} before compression)
 * @param dir where the capture files go; each route writes its own files, named after the route
 * @param whenCandidateUnavailable (route key {@code recordWhenCandidateUnavailable}) also record, even when
 *     {@code enabled} is false, the requests whose shadow copy was skipped because the circuit was open or failed
 *     because the candidate could not be reached
 */
public record RecordPolicy(boolean enabled, double sampleRate, long maxBytes, long rotateBytes, int maxFiles,
        Path dir, boolean whenCandidateUnavailable) {

    public RecordPolicy {
        requireNonNull(dir, "dir");
        if (!(sampleRate >= 0 && sampleRate <= 1) || maxBytes < 0 || rotateBytes < 1 || maxFiles < 1) {
            throw new IllegalArgumentException("sampleRate, maxBytes, rotateBytes, maxFiles: " + sampleRate + ", "
                    + maxBytes + ", " + rotateBytes + ", " + maxFiles);
        }
    }

    public static RecordPolicy off() {
        return new RecordPolicy(false, 1.0, 1 << 20, 64L << 20, 20, Path.of("strangler-data", "capture"), false);
    }

    /** Whether the route needs a recorder at all. */
    public boolean any() {
        return enabled || whenCandidateUnavailable;
    }
}
