package io.pim.metalearner.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pim.metalearner.metrics.PrometheusMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The writer's Prometheus metrics, served on {@code /metrics} of its health port: the JVM's and the
 * process's, its consumer's own (Micrometer's binder: {@code records-lag} per partition, how far
 * the writer is behind the topics it lands), and under {@code metalearner_writer_} what this process
 * landed: rows per table, batches, dead letters by reason, waits for the database or the registry.
 */
public final class WriterMetrics implements AutoCloseable {
    /** The tables a batch lands in, so each row counter starts at zero. */
    static final String TRAINING_LOG = "metalearner_training_log";
    static final String AGENT_PERFORMANCE = "agent_performance";
    static final String WEIGHTS = "metalearner_weights";
    static final String CHECKPOINTS = "metalearner_checkpoints";
    static final String COMMANDS = "metalearner_commands";

    private final PrometheusMetrics prometheus = new PrometheusMetrics();
    private final PrometheusMeterRegistry registry = prometheus.registry();
    private final Map<String, Counter> rows = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Counter batches = Counter.builder("metalearner.writer.batches")
            .description("polls landed in PostgreSQL, one transaction each").register(registry);
    private final Counter records = Counter.builder("metalearner.writer.records")
            .description("records landed (a record superseded within its poll by a newer one for the same row counts too)")
            .register(registry);
    private final Counter waits = Counter.builder("metalearner.writer.waits")
            .description("times the writer waited for the database, the registry or the dead-letter topic to come back")
            .register(registry);

    WriterMetrics() {
        for (String table : new String[] {TRAINING_LOG, AGENT_PERFORMANCE, WEIGHTS, CHECKPOINTS, COMMANDS}) rows(table);
        deadLetters(BatchLander.DATABASE_REFUSED);
    }

    /** Binds the consumer's metrics (lag among them); once, before the writer polls. */
    void bind(Consumer<?, ?> consumer) {
        prometheus.bindKafka((scheduler, every) -> new KafkaClientMetrics(consumer, Tags.empty(), scheduler, every));
    }

    /** A batch is in the database (its offsets about to be committed). */
    void landed(Batch batch) {
        rows(TRAINING_LOG).increment(batch.trainingLogs.size());
        rows(AGENT_PERFORMANCE).increment(batch.agentPerformance.size());
        rows(WEIGHTS).increment(batch.weightSnapshots.size());
        rows(CHECKPOINTS).increment(batch.checkpoints.size());
        rows(COMMANDS).increment(batch.commands.size() + batch.commandResults.size());
        records.increment(batch.records);
        batches.increment();
    }

    /** A dead letter the broker took. */
    void deadLettered(String reason) {
        deadLetters(reason).increment();
    }

    private Counter deadLetters(String reason) {
        return deadLetters.computeIfAbsent(reason, r -> Counter.builder("metalearner.writer.dead.letters").tag("reason", r)
                .description("records the writer sent to the dead-letter topic, by reason").register(registry));
    }

    void waited() {
        waits.increment();
    }

    private Counter rows(String table) {
        return rows.computeIfAbsent(table, t -> Counter.builder("metalearner.writer.rows").tag("table", t)
                .description("rows upserted into the table (a repeated batch lands its rows again)").register(registry));
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        prometheus.close();
    }
}
