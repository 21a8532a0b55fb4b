package io.pim.metalearner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pim.metalearner.learn.RecentScores;
import io.pim.metalearner.learn.StepResult;
import io.pim.metalearner.learn.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

    private static StepResult step(long step, double r2) {
        return new StepResult(step, "d-" + step, 0.01f, 0.02, 1e-4f, 1e-4, r2, 0.5,
                Map.of("A", 0.5 + step % 7 / 10.0, "B", 1.0), List.of());
    }
}
