package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.TopicAdmin;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * The learning service: the topology running in a {@link KafkaStreams} client. What {@code run}
 * starts, and what an embedding (the demo, the HTTP API) holds:
 * <pre>
 * try (LearningService service = new LearningService(config)) {
 *     service.createTopics();
 *     service.start();
 *     ... service.counts().deadLettered() ...
 * }
 * </pre>
 * Never calls {@code KafkaStreams.cleanUp()}: the local state is the learner, and a restart picks
 * it up (or restores it from the changelog).
 */
public final class LearningService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LearningService.class);
    /** Room for the learner's largest changelog record (2 MiB) plus batch overhead. */
    private static final int MAX_REQUEST_BYTES = 3 * 1024 * 1024;

    private final ServiceConfig config;
    private final Topics topics;
    private final Topology topology;
    private final KafkaStreams streams;
    /** Set on the first RUNNING: the tasks were assigned and their stores restored once. */
    private volatile boolean restored;
    private volatile KafkaStreams.StateListener stateListener = (now, before) -> { };

    private final ThreadFailures threadFailures = new ThreadFailures();

    public LearningService(ServiceConfig config) {
        this(config, StepListener.NONE);
    }

    /** {@code listener} hears every training step of this instance (for metrics). */
    public LearningService(ServiceConfig config, StepListener listener) {
        this.config = config;
        this.topics = Topics.of(config);
        this.topology = LearningTopology.build(config, topics, listener, trainingEnds(config, topics));
        log.info("topology:\n{}", topology.describe());
        this.streams = new KafkaStreams(topology, streamsProperties(config));
        streams.setUncaughtExceptionHandler(e -> {
            // Bad records never get here (they are dead-lettered); what does is e.g. an unreachable
            // registry or broker. Replace the thread: its tasks resume from the last commit.
            log.error("stream thread failed; replacing it, its tasks resume from the last commit", e);
            threadFailures.record(e, System.currentTimeMillis());
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // Kafka Streams takes one state listener, and only before start: this one records the first
        // RUNNING (what readiness asks) and hands every change on to the one set by onStateChange.
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) restored = true;
            stateListener.onChange(now, before);
        });
    }

    /** Asked of the cluster: once per training partition, when its task first numbers records (model-keyed inputs). */
    private static LearningTopology.TrainingEnds trainingEnds(ServiceConfig config, Topics topics) {
        return partition -> {
            TopicPartition tp = new TopicPartition(topics.training().name(), partition);
            try (Admin admin = new KafkaClients(config).admin()) {
                return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the end of " + tp, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot read the end of " + tp + ": " + e.getCause().getMessage(), e);
            }
        };
    }

    /** Hears every state change of the Kafka Streams client (one listener; a later call replaces it). */
    public void onStateChange(KafkaStreams.StateListener listener) {
        this.stateListener = listener;
    }

    /** The stream threads' failures so far (each thread was replaced). */
    public ThreadFailures threadFailures() {
        return threadFailures;
    }

    /** Whether the client has been RUNNING at least once, i.e. its stores were restored at start. */
    public boolean hasBeenRunning() {
        return restored;
    }

    /** Kafka Streams settings derived from the config; {@code streams.*} keys override them. */
    public static Properties streamsProperties(ServiceConfig config) {
        Properties p = new Properties();
        p.putAll(new KafkaClients(config).common()); // kafka.* keys reach Streams' clients too
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.replicationFactor());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), MAX_REQUEST_BYTES);
        // The join accepts its two inputs in either order, so a task need not wait for (or ask the
        // broker about the lag of) an empty input to order records by timestamp across them.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        // A stream thread commits between polls: blocked in a poll of the default 100 ms on a quiet
        // input, it would sit on a finished transaction (outputs unseen) until the next record came.
        // 5 ms lets it commit on time; an idle thread then polls 200 times a second, which is cheap.
        p.put(StreamsConfig.POLL_MS_CONFIG, 5L);
        // one shared cache and write-buffer manager bound all stores' off-heap memory
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        p.put(BoundedRocksDbMemory.MEMORY_BYTES, config.rocksDbMemoryBytes());
        p.put(BoundedRocksDbMemory.WRITE_BUFFER_BYTES, config.rocksDbWriteBufferBytes());
        p.putAll(config.streamsOverrides());
        return p;
    }

    /** Creates the service's topics if missing, waits for their leaders and checks their shape ({@link TopicAdmin#createAll}). */
    public void createTopics() throws InterruptedException {
        try (Admin admin = new KafkaClients(config).admin()) {
            TopicAdmin.createAll(admin, config);
        }
    }

    public void start() {
        streams.start();
    }

    /** Waits until the client is RUNNING (all tasks assigned and restored). */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka Streams not RUNNING after " + timeout + ": " + streams.state());
            }
            if (!streams.state().isRunningOrRebalancing() && streams.state() != KafkaStreams.State.CREATED) {
                throw new IllegalStateException("Kafka Streams stopped: " + streams.state());
            }
            Thread.sleep(50);
        }
    }

    /**
     * The counters held by this instance's tasks (all of them on a single instance): records in,
     * joined, trained, dead-lettered by reason, expired and pending. With several instances a count
     * store may simply not be here: while the client is RUNNING that is skipped (these are this
     * instance's counts, like its /metrics).
     *
     * @throws InvalidStateStoreException while the stores are being moved or restored (not RUNNING)
     */
    public CountSnapshot counts() {
        Map<String, Long> sum = new HashMap<>();
        for (String name : List.of(LearningTopology.JOIN_COUNTS_STORE, LearningTopology.TRAINING_COUNTS_STORE)) {
            try {
                ReadOnlyKeyValueStore<String, Long> store = streams.store(
                        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, Long>keyValueStore()));
                try (KeyValueIterator<String, Long> it = store.all()) {
                    it.forEachRemaining(kv -> sum.merge(kv.key, kv.value, Long::sum));
                }
            } catch (InvalidStateStoreException e) {
                if (streams.state() != KafkaStreams.State.RUNNING) throw e;
            }
        }
        return new CountSnapshot(sum);
    }

    /** Reason → count of dead letters, e.g. for the demo's {@code dead_lettered}. */
    public Map<String, Long> deadLetterCounts() {
        return counts().deadLettered();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public Topology topology() {
        return topology;
    }

    public Topics topics() {
        return topics;
    }

    public ServiceConfig config() {
        return config;
    }

    /**
     * Stops processing and commits; the local state stays for the next start. Leaves the consumer
     * group, so a restarted or replacement instance gets the tasks at once instead of after the
     * session timeout (45 s); a static member ({@code streams.group.instance.id}) stays in it, so
     * that it takes its own tasks back without a rebalance when it returns under the same id.
     */
    public void close(Duration timeout) {
        streams.close(CloseOptions.groupMembershipOperation(membershipOnClose(config)).withTimeout(timeout));
    }

    static CloseOptions.GroupMembershipOperation membershipOnClose(ServiceConfig config) {
        return config.streamsOverrides().containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                : CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
