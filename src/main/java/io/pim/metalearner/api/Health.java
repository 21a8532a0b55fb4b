package io.pim.metalearner.api;

/**
 * What {@code GET /health/live} and {@code GET /health/ready} answer: liveness says whether the
 * process should be restarted, readiness whether it should get traffic (or, in Compose, whether
 * the services that depend on it may start). An orchestrator acts on the status (200 or 503);
 * the body says why, for the human reading the probe's log.
 */
public interface Health {
    String LIVE_PATH = "/health/live";
    String READY_PATH = "/health/ready";

    /**
     * @param ok     200 when true, 503 when false
     * @param state  a short machine-readable word, e.g. the Kafka Streams state
     * @param detail why, in a sentence
     */
    record Check(boolean ok, String state, String detail) {
    }

    Check live();

    Check ready();
}
