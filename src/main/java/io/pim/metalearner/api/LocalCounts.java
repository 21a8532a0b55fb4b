package io.pim.metalearner.api;

import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.stream.StreamCounts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The stream's counters held by this instance's tasks. With several instances each holds some of
 * the join tasks and maybe the training task, so a count store may simply not be here: while the
 * client is RUNNING that is skipped (these are this instance's counts, like its /metrics);
 * otherwise the stores are being moved or restored and the counts are unavailable for now.
 */
final class LocalCounts {

    private LocalCounts() {
    }

    static StreamCounts read(LearningService service) {
        KafkaStreams streams = service.streams();
        Map<String, Long> sum = new HashMap<>();
        for (String name : List.of(LearningTopology.JOIN_COUNTS_STORE, LearningTopology.TRAINING_COUNTS_STORE)) {
            try {
                ReadOnlyKeyValueStore<String, Long> store = streams.store(
                        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, Long>keyValueStore()));
                try (KeyValueIterator<String, Long> it = store.all()) {
                    it.forEachRemaining(kv -> sum.merge(kv.key, kv.value, Long::sum));
                }
            } catch (InvalidStateStoreException e) {
                if (streams.state() != KafkaStreams.State.RUNNING) {
                    throw new LearnerView.Unavailable("the stream's counts are not queryable now (" + streams.state() + ")", e);
                }
            }
        }
        return new StreamCounts(sum);
    }
}
