package io.pim.metalearner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The model-watch bytes are what a restart, another instance and the status endpoint read back. */
class ModelMonitorTest {

    @Test
    void aWatchWithAWrappedCurveAndActiveAlertsDecodesToTheSameBytesAndContinuesIdentically() {
        // given a watch past its curve's capacity, with a low-R² alert (its message holds "R²") active
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        for (long s = 1; s <= ModelMonitor.CURVE_POINTS + 123; s++) watch.onStep(step(s, -0.5));
        assertThat(watch.alerts().active()).extracting(AlertEvent::type).contains(AlertType.LOW_R2);
        byte[] bytes = watch.encode();

        // when it is decoded
        ModelMonitor copy = ModelMonitor.decode(bytes, AlertConfig.defaults());

        // then it holds the newest points in order and the same alerts, and re-encodes to the same bytes
        assertThat(copy.curve().points()).hasSize(ModelMonitor.CURVE_POINTS).isEqualTo(watch.curve().points());
        assertThat(copy.curve().points().get(0).step()).isEqualTo(124);
        assertThat(copy.alerts().active()).isEqualTo(watch.alerts().active());
        assertThat(copy.encode()).isEqualTo(bytes);
        for (long s = ModelMonitor.CURVE_POINTS + 124; s < 900; s++) {
            assertThat(copy.onStep(step(s, 0.9))).isEqualTo(watch.onStep(step(s, 0.9)));
        }
        assertThat(copy.encode()).isEqualTo(watch.encode());
    }

    @Test
    void truncatedBytesAreRefusedWithAClearMessage() {
        byte[] bytes = ModelMonitor.fresh(AlertConfig.defaults()).encode();
        assertThatThrownBy(() -> ModelMonitor.decode(Arrays.copyOf(bytes, bytes.length - 3), AlertConfig.defaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("model-watch state is unreadable");
    }

    @Test
    void recentScoresAreKeptSettledByTheirStepAndSurviveEncoding() {
        // given more scored decisions than the watch keeps, the newest two then trained on
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        for (int i = 1; i <= ModelMonitor.RECENT_SCORES + 5; i++) {
            watch.onScore("d-" + i, new VoteScore(i - 1, "f", 0.01 * i, 1.0, 0.5));
        }
        int last = ModelMonitor.RECENT_SCORES + 5;
        watch.onStep(new StepResult(1, "d-" + last, 0.01f, 0.02, 1e-4f, 1e-4, 0.1, 0.5, Map.of("A", 1.0), List.of()));

        // when
        ModelMonitor copy = ModelMonitor.decode(watch.encode(), AlertConfig.defaults());

        // then the oldest five are gone, the trained one carries its actual return and step
        List<RecentScores.Entry> entries = copy.scores().entries();
        assertThat(entries).hasSize(ModelMonitor.RECENT_SCORES);
        assertThat(entries.get(0).decisionId()).isEqualTo("d-6");
        RecentScores.Entry settled = entries.get(entries.size() - 1);
        assertThat(settled.closed()).isTrue();
        assertThat(settled.actualReturn()).isEqualTo(0.02);
        assertThat(settled.trainedAtStep()).isEqualTo(1);
        assertThat(entries.get(entries.size() - 2).closed()).isFalse();
        assertThat(copy.encode()).isEqualTo(watch.encode());
    }

    @Test
    void aWatchWrittenBeforeDecisionsWereScoredDecodesWithNoScores() {
        // given the bytes of a watch as they were before scores: alerts then curve, nothing after
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        for (long s = 1; s <= 30; s++) watch.onStep(step(s, 0.5));
        ByteBuffer old = ByteBuffer.allocate(watch.alerts().encodedSize() + watch.curve().encodedSize());
        watch.alerts().encode(old);
        watch.curve().encode(old);

        // when
        ModelMonitor copy = ModelMonitor.decode(old.array(), AlertConfig.defaults());

        // then
        assertThat(copy.curve().points()).isEqualTo(watch.curve().points());
        assertThat(copy.scores().entries()).isEmpty();
    }

    @Test
    void aWatchStoredByPartsReadsBackTheSameAndAStepWritesOnlyTheHeaderItsPointAndItsScore() {
        // given a watch written after every score and step, past the capacity of both rings
        KeyValueStore<String, byte[]> headers = store("headers"), parts = store("parts");
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        long last = ModelMonitor.CURVE_POINTS + 123;
        for (long s = 1; s < last; s++) scoreThenStep(watch, s, headers, parts);
        Map<String, byte[]> before = contents(parts);

        // when one more decision is scored and trained on
        scoreThenStep(watch, last, headers, parts);

        // then only its curve point and its score changed among the parts, and a read gives the whole watch back
        assertThat(changedKeys(before, contents(parts))).containsExactlyInAnyOrder(
                ModelMonitor.partKey("m", 'c', (last - 1) % ModelMonitor.CURVE_POINTS),
                ModelMonitor.partKey("m", 's', (last - 1) % ModelMonitor.RECENT_SCORES));
        assertThat(contents(parts)).hasSize(ModelMonitor.CURVE_POINTS + ModelMonitor.RECENT_SCORES);
        assertThat(headers.get("m").length).isLessThan(2_000);
        ModelMonitor copy = ModelMonitor.read(headers, parts, "m", AlertConfig.defaults());
        assertThat(copy.encode()).isEqualTo(watch.encode());
        assertThat(copy.curve().points().get(0).step()).isEqualTo(last - ModelMonitor.CURVE_POINTS + 1);

        // and the copy goes on where the watch did, writing over the same slots
        for (long s = last + 1; s < last + 40; s++) {
            scoreThenStep(copy, s, headers, parts);
            scoreThenStep(watch, s, store("elsewhere"), store("elsewhere-parts"));
        }
        assertThat(ModelMonitor.read(headers, parts, "m", AlertConfig.defaults()).encode()).isEqualTo(watch.encode());
    }

    @Test
    void aWholeWatchStoredBeforePartsIsReadAndItsNextWriteStoresItByParts() {
        // given a store holding a watch the way it was stored before parts: all of it under the model id
        KeyValueStore<String, byte[]> headers = store("headers"), parts = store("parts");
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        for (long s = 1; s <= 70; s++) {
            watch.onScore("d-" + s, new VoteScore(s - 1, "f", 0.01, 1.0, 0.5));
            watch.onStep(step(s, 0.9));
        }
        headers.put("m", watch.encode());

        // when it is read, and written back after one more step
        ModelMonitor upgraded = ModelMonitor.read(headers, parts, "m", AlertConfig.defaults());
        assertThat(upgraded.encode()).isEqualTo(watch.encode());
        upgraded.onStep(step(71, 0.9));
        upgraded.write(headers, parts, "m");
        watch.onStep(step(71, 0.9));

        // then every point and score is now a part, and reading them gives the same watch
        assertThat(contents(parts)).hasSize(71 + ModelMonitor.RECENT_SCORES);
        assertThat(ModelMonitor.read(headers, parts, "m", AlertConfig.defaults()).encode()).isEqualTo(watch.encode());
    }

    @Test
    void aFreshWatchReadsBackEmptyOverTheOldPartsAndModelIdsNeverShareParts() {
        KeyValueStore<String, byte[]> headers = store("headers"), parts = store("parts");
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        ModelMonitor other = ModelMonitor.fresh(AlertConfig.defaults());
        // a model whose id looks like the parts of "m"
        String hostile = ModelMonitor.partKey("m", 'c', 0);
        for (long s = 1; s <= 20; s++) {
            scoreThenStep(watch, s, headers, parts);
            other.onStep(step(1000 + s, 0.9));
            other.write(headers, parts, hostile);
        }

        // when "m" starts over (a rollback or an installed candidate gives it a fresh watch)
        ModelMonitor.fresh(AlertConfig.defaults()).write(headers, parts, "m");

        // then its old parts are not read back, and the other model's watch is untouched
        ModelMonitor restarted = ModelMonitor.read(headers, parts, "m", AlertConfig.defaults());
        assertThat(restarted.curve().points()).isEmpty();
        assertThat(restarted.scores().entries()).isEmpty();
        assertThat(ModelMonitor.read(headers, parts, hostile, AlertConfig.defaults()).encode()).isEqualTo(other.encode());
        assertThat(ModelMonitor.read(headers, parts, "nobody", AlertConfig.defaults())).isNull();
    }

    @Test
    void aMissingPartIsReportedAsUnreadableState() {
        KeyValueStore<String, byte[]> headers = store("headers"), parts = store("parts");
        ModelMonitor watch = ModelMonitor.fresh(AlertConfig.defaults());
        for (long s = 1; s <= 5; s++) scoreThenStep(watch, s, headers, parts);
        parts.delete(ModelMonitor.partKey("m", 'c', 2));
        assertThatThrownBy(() -> ModelMonitor.read(headers, parts, "m", AlertConfig.defaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model-watch state of 'm' is unreadable").hasMessageContaining("c2 is missing");
    }

    private static void scoreThenStep(ModelMonitor watch, long s, KeyValueStore<String, byte[]> headers,
                                      KeyValueStore<String, byte[]> parts) {
        watch.onScore("d-" + s, new VoteScore(s - 1, "f", 0.01 * (s % 9), 1.0, 0.5));
        watch.write(headers, parts, "m");
        watch.onStep(step(s, s % 50 < 25 ? -0.5 : 0.9));
        watch.write(headers, parts, "m");
    }

    /** A real Kafka Streams in-memory store (no cache, no changelog), as the processor's stores behave. */
    private static KeyValueStore<String, byte[]> store(String name) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    private static Map<String, byte[]> contents(KeyValueStore<String, byte[]> store) {
        Map<String, byte[]> all = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value));
        }
        return all;
    }

    private static Set<String> changedKeys(Map<String, byte[]> before, Map<String, byte[]> after) {
        Set<String> changed = new TreeSet<>();
        after.forEach((k, v) -> {
            if (!Arrays.equals(before.get(k), v)) changed.add(k);
        });
        return changed;
    }

    private static StepResult step(long step, double r2) {
        return new StepResult(step, "d-" + step, 0.01f, 0.02, 1e-4f, 1e-4, r2, 0.5,
                Map.of("A", 0.5 + step % 7 / 10.0, "B", 1.0), List.of());
    }
}
