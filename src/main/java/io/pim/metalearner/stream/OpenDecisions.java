package io.pim.metalearner.stream;

import io.pim.metalearner.learn.score.OpenDecision;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;

/**
 * The decisions whose trades are open, each with every learner's score at vote time, in the
 * changelogged {@link LearningTopology#OPEN_DECISIONS_STORE} store (key: model id and decision id),
 * written and taken in the training task's transactions, so a settled trade is judged exactly once.
 * Bounded: an entry leaves when its trade trains (or is refused), when a command replaces its
 * model's learner (what it said is no longer the model's), or after {@code votes.ttl}, by which
 * the join has forgotten the decision and its trade can no longer arrive.
 */
final class OpenDecisions {
    private final KeyValueStore<String, byte[]> store;

    OpenDecisions(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    void put(String modelId, String decisionId, OpenDecision open) {
        store.put(key(modelId, decisionId), open.encode());
    }

    /** The decision's scores, removed from the store; null if it has none (never scored, expired or dropped). */
    OpenDecision take(String modelId, String decisionId) {
        byte[] bytes = store.delete(key(modelId, decisionId));
        return bytes == null ? null : OpenDecision.decode(bytes);
    }

    /** Drops every open decision of the model; returns how many. */
    int drop(String modelId) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix(modelId), new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
        return keys.size();
    }

    /** Drops the decisions scored before {@code before} (epoch ms); returns how many. */
    int expire(long before) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (OpenDecision.decode(kv.value).scoredAt() < before) keys.add(kv.key);
            }
        }
        keys.forEach(store::delete);
        return keys.size();
    }

    /** Length first, so no model id is a prefix of another's keys whatever characters it holds. */
    private static String prefix(String modelId) {
        return modelId.length() + ":" + modelId + ":";
    }

    private static String key(String modelId, String decisionId) {
        return prefix(modelId) + decisionId;
    }
}
