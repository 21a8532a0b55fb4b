package io.pim.metalearner.testing;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.stream.CountSnapshot;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.stream.ModelMonitor;
import io.pim.metalearner.stream.StepListener;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's whole topology on a {@link TopologyTestDriver}, as the *TopologyTest classes
 * start it: the service's config with the shared registry, the typed topics, and the stores the
 * tests read. Inputs are stamped from {@link #START} without advancing, so a test's records
 * carry the same timestamps on every run.
 */
public final class TopologyFixture implements AutoCloseable {
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final ServiceConfig config;
    private final Topics topics;
    private final TopologyTestDriver driver;

    public TopologyFixture(ServiceConfig config) {
        this(config, StepListener.NONE);
    }

    /** {@code listener} hears every training step, as the service's metrics do. */
    public TopologyFixture(ServiceConfig config, StepListener listener) {
        this.config = config;
        this.topics = Topics.of(config);
        this.driver = new TopologyTestDriver(LearningTopology.build(config, topics, listener),
                LearningService.streamsProperties(config), START);
    }

    /** The defaults, with no broker (the driver needs none), the registry and a state directory of the test's. */
    public static ServiceConfig config(EmbeddedRegistry registry, Path stateDir) {
        return ServiceConfig.of("unused:9092", registry.apiUrl()).withStateDir(stateDir);
    }

    public ServiceConfig config() {
        return config;
    }

    public Topics topics() {
        return topics;
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    public <K, V> TestInputTopic<K, V> input(Topic<K, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer(),
                START, Duration.ZERO);
    }

    /** The topic fed bytes as they are, to send what its serde would never write. */
    public TestInputTopic<byte[], byte[]> rawInput(Topic<?, ?> topic) {
        return driver.createInputTopic(topic.name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    }

    public <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    public <K, V> KeyValueStore<K, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    /** The model's watch as its stores hold it; null if it has none. */
    public ModelMonitor watch(String modelId) {
        return ModelMonitor.read(driver.getKeyValueStore(LearningTopology.MODEL_WATCH_STORE),
                driver.getKeyValueStore(LearningTopology.MODEL_WATCH_PARTS_STORE), modelId, config().alerts());
    }

    /** The counters over both count stores, as {@link LearningService#counts()} sums them. */
    public CountSnapshot counts() {
        Map<String, Long> all = new HashMap<>();
        for (String name : List.of(LearningTopology.JOIN_COUNTS_STORE, LearningTopology.TRAINING_COUNTS_STORE)) {
            KeyValueStore<String, Long> store = driver.getKeyValueStore(name);
            try (KeyValueIterator<String, Long> it = store.all()) {
                it.forEachRemaining(kv -> all.merge(kv.key, kv.value, Long::sum));
            }
        }
        return new CountSnapshot(all);
    }

    /** Entries in a store. */
    public long entries(String store) {
        long n = 0;
        try (KeyValueIterator<Object, Object> it = driver.getKeyValueStore(store).all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        driver.close();
    }
}
