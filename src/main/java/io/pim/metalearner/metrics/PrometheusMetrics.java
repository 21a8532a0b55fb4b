package io.pim.metalearner.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * A process's Prometheus registry with the JVM (memory pools, GC pauses, threads, classes) and
 * process (CPU, uptime, open files) metrics bound, so every process of the product reports them
 * under the same names ({@code jvm_*}, {@code process_*}, {@code system_*}), and the Kafka clients'
 * own metrics re-read every {@link #KAFKA_REFRESH}.
 */
public final class PrometheusMetrics implements AutoCloseable {

    /** The exposition format's content type, for the {@code /metrics} answer. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /**
     * How often the Kafka clients' metrics are looked up again: a partition's metrics (its
     * {@code records-lag}) exist only once it is assigned, after the binding, and go when it moves.
     */
    public static final Duration KAFKA_REFRESH = Duration.ofSeconds(10);

    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<AutoCloseable> kafkaBinders = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService kafkaRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kafka-metrics-refresh");
        t.setDaemon(true);
        return t;
    });

    public PrometheusMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /**
     * Binds a Kafka client's metrics (Micrometer's {@code KafkaClientMetrics} or
     * {@code KafkaStreamsMetrics}, built from the refresh scheduler and interval); closed with this.
     */
    public <B extends MeterBinder & AutoCloseable> B bindKafka(BiFunction<ScheduledExecutorService, Duration, B> binder) {
        B bound = binder.apply(kafkaRefresh, KAFKA_REFRESH);
        bound.bindTo(registry);
        kafkaBinders.add(bound);
        return bound;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The text exposition of every meter now. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        for (AutoCloseable binder : kafkaBinders) {
            try {
                binder.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the Kafka metrics: " + e.getMessage(), e);
            }
        }
        kafkaRefresh.shutdownNow();
        gc.close();
        registry.close();
    }
}
