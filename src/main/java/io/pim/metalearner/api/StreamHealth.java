package io.pim.metalearner.api;

import io.pim.metalearner.stream.LearningService;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The learning service's health, from its Kafka Streams client.
 * <ul>
 * <li><b>live</b> fails in ERROR or PENDING_ERROR (the client has given up; a restart is the cure)
 *     and when a stream thread is wedged: its consumer has not polled for longer than
 *     {@code max.poll.interval.ms}, the same limit after which the group itself declares the member
 *     dead. Anything else (starting, restoring, rebalancing, shutting down) is alive: restarting a
 *     restoring instance would only restart the restore.</li>
 * <li><b>ready</b> is RUNNING; and REBALANCING once the client has been RUNNING before; but not
 *     while stream threads keep failing ({@value #FAILURES_NOT_READY} or more in
 *     {@link #FAILURE_WINDOW}): each is replaced and retries the same records, so a record that
 *     fails every time (or a registry gone for good) makes a loop that processes nothing. A rebalance
 *     is routine (every instance that joins or leaves makes one on all instances, and the
 *     cooperative protocol keeps processing the tasks that stay), so failing readiness then would
 *     take every instance out of the load balancer at once during a rolling restart. A request for a
 *     model whose store is moving meanwhile gets its own 503 from the API. Before the first
 *     RUNNING (the stores are restoring) it is not ready.</li>
 * </ul>
 */
final class StreamHealth implements Health {
    private static final String LAST_POLL = "last-poll-seconds-ago";
    static final int FAILURES_NOT_READY = 2;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);
    private final LearningService service;
    private final long maxPollIntervalSeconds;

    StreamHealth(LearningService service) {
        this.service = service;
        this.maxPollIntervalSeconds = maxPollIntervalMs(LearningService.streamsProperties(service.config())) / 1000;
    }

    @Override
    public Check live() {
        KafkaStreams.State state = service.streams().state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
            return new Check(false, state.name(), "Kafka Streams has failed; a restart resumes from the last commit");
        }
        String wedged = wedgedThread(service.streams().metrics());
        if (wedged != null) {
            return new Check(false, "WEDGED", wedged + " has not polled for more than max.poll.interval.ms ("
                    + maxPollIntervalSeconds + " s)");
        }
        return new Check(true, state.name(), "alive");
    }

    @Override
    public Check ready() {
        KafkaStreams.State state = service.streams().state();
        int failures = service.threadFailures().within(FAILURE_WINDOW, System.currentTimeMillis());
        if (failures >= FAILURES_NOT_READY) {
            return new Check(false, "FAILING", "stream threads failed " + failures + " times in the last "
                    + FAILURE_WINDOW.toMinutes() + " min, each replaced to retry from the last commit (last: "
                    + service.threadFailures().last() + "); the log has each failure with its record");
        }
        if (state == KafkaStreams.State.RUNNING) return new Check(true, state.name(), "processing");
        if (state == KafkaStreams.State.REBALANCING && service.hasBeenRunning()) {
            return new Check(true, state.name(), "rebalancing after having been RUNNING; tasks that stay keep processing");
        }
        return new Check(false, state.name(), state == KafkaStreams.State.REBALANCING
                ? "not RUNNING yet: tasks are being assigned or their stores restored" : "not processing");
    }

    /** The client id of a stream thread's main consumer that has not polled for too long, or null. */
    private String wedgedThread(Map<MetricName, ? extends Metric> metrics) {
        for (var e : metrics.entrySet()) {
            MetricName name = e.getKey();
            String client = name.tags().getOrDefault("client-id", "");
            // only the main consumers: the restore consumer polls only while restoring
            if (!LAST_POLL.equals(name.name()) || !client.endsWith("-consumer") || client.endsWith("-restore-consumer")) continue;
            Object value = e.getValue().metricValue();
            if (value instanceof Number n && n.longValue() > maxPollIntervalSeconds) return client;
        }
        return null;
    }

    /** The main consumer's {@code max.poll.interval.ms} as Kafka Streams resolves it (overrides, then the consumer default). */
    static long maxPollIntervalMs(java.util.Properties streamsProperties) {
        Object value = new StreamsConfig(streamsProperties).getMainConsumerConfigs("health", "health", 0)
                .get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return value == null ? 300_000L : Long.parseLong(value.toString()); // the consumer's default
    }
}
