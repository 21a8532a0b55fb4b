package io.pim.metalearner.learn.alert;

import static io.pim.metalearner.learn.alert.AlertEvent.State.CLEARED;
import static io.pim.metalearner.learn.alert.AlertEvent.State.RAISED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AlertMonitorTest {

    private static final Map<String, Double> DIFFERENT_WEIGHTS = Map.of("A", 0.8, "B", 1.2, "C", 1.5);
    private static final Double GOOD_R2 = 0.9;

    private final AlertMonitor monitor = new AlertMonitor(AlertConfig.defaults());
    private final List<AlertEvent> events = new ArrayList<>();
    private long step;

    @Test
    void risingLossIsRaisedOnceAndClearedOnceWhenItLevelsOff() {
        // given 100 trades at a steady loss
        steps(100, 0.001);
        assertThat(events).isEmpty();

        // when the loss triples and stays there
        steps(100, 0.003);

        // then the rise is raised once while the windows differ, and cleared once both windows hold the new level
        assertThat(of(AlertType.LOSS_RISING)).extracting(AlertEvent::state).containsExactly(RAISED, CLEARED);
        AlertEvent raised = of(AlertType.LOSS_RISING).get(0);
        assertThat(raised.value()).isGreaterThan(2.0);
        assertThat(raised.trainingStep()).isBetween(101L, 130L);
        assertThat(monitor.active()).extracting(AlertEvent::type).doesNotContain(AlertType.LOSS_RISING);
    }

    @Test
    void lowR2IsRaisedOnlyAfterTheMinimumTradesAndClearsAboveTheHysteresisBand() {
        // given a poor R² during the first 49 trades: too few to judge
        for (int i = 0; i < 49; i++) step(0.001, 0.1, DIFFERENT_WEIGHTS);
        assertThat(of(AlertType.LOW_R2)).isEmpty();

        // when it stays poor past the minimum, then recovers to just above 0.3, then clearly
        for (int i = 0; i < 30; i++) step(0.001, 0.1, DIFFERENT_WEIGHTS);
        List<AlertEvent> afterLow = List.copyOf(of(AlertType.LOW_R2));
        for (int i = 0; i < 30; i++) step(0.001, 0.32, DIFFERENT_WEIGHTS);
        List<AlertEvent> afterBorderline = List.copyOf(of(AlertType.LOW_R2));
        step(0.001, 0.5, DIFFERENT_WEIGHTS);

        // then raised once at step 50, not cleared by 0.32 (clear needs 0.35), cleared once by 0.5
        assertThat(afterLow).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(RAISED);
            assertThat(e.trainingStep()).isEqualTo(50);
            assertThat(e.threshold()).isEqualTo(0.3);
        });
        assertThat(afterBorderline).hasSize(1);
        assertThat(of(AlertType.LOW_R2)).extracting(AlertEvent::state).containsExactly(RAISED, CLEARED);
    }

    @Test
    void weightsCollapsingToOneValueIsRaisedOnceAndClearedWhenTheyDifferAgain() {
        // given the weights all start at 1.0: no alert before the minimum of 100 steps
        for (int i = 0; i < 99; i++) step(0.001, GOOD_R2, Map.of("A", 1.0, "B", 1.0, "C", 1.0));
        assertThat(of(AlertType.WEIGHTS_COLLAPSED)).isEmpty();

        // when they are still all the same at step 100 (here: all at the upper bound), then a little apart, then clearly apart
        for (int i = 0; i < 20; i++) step(0.001, GOOD_R2, Map.of("A", 2.0, "B", 2.0, "C", 2.0));
        for (int i = 0; i < 20; i++) step(0.001, GOOD_R2, Map.of("A", 2.0, "B", 1.985, "C", 1.99));
        assertThat(of(AlertType.WEIGHTS_COLLAPSED)).hasSize(1);
        step(0.001, GOOD_R2, DIFFERENT_WEIGHTS);

        // then one raise at step 100 and one clear at step 140, none in the hysteresis band between
        assertThat(of(AlertType.WEIGHTS_COLLAPSED)).extracting(AlertEvent::state, AlertEvent::trainingStep)
                .containsExactly(tuple(RAISED, 100L), tuple(CLEARED, 140L));
    }

    @Test
    void failedCheckpointIsRaisedOnceUntilACheckpointSucceeds() {
        // when two checkpoints fail in a row, then two succeed
        assertThat(monitor.checkpointFailed(100, "topic unavailable")).get()
                .satisfies(e -> assertThat(e.message()).contains("step 100", "topic unavailable"));
        assertThat(monitor.checkpointFailed(200, "topic unavailable")).isEmpty();
        assertThat(monitor.active()).extracting(AlertEvent::type).containsExactly(AlertType.CHECKPOINT_FAILED);

        // then the first success clears it, the second says nothing
        assertThat(monitor.checkpointSucceeded(300)).get().extracting(AlertEvent::state).isEqualTo(CLEARED);
        assertThat(monitor.checkpointSucceeded(400)).isEmpty();
        assertThat(monitor.active()).isEmpty();
    }

    @Test
    void lossDriftIsRaisedOnceOnAJumpAndClearedOnceTheNewLevelIsQuiet() {
        // given a steady loss
        steps(200, 0.001);

        // when it jumps to a new steady level
        steps(200, 0.004);

        // then Page-Hinkley raises once soon after the jump, restarts on the new level and clears after 50 quiet steps
        List<AlertEvent> drift = of(AlertType.LOSS_DRIFT);
        assertThat(drift).extracting(AlertEvent::state).containsExactly(RAISED, CLEARED);
        assertThat(drift.get(0).trainingStep()).isBetween(201L, 230L);
        assertThat(drift.get(0).value()).isGreaterThan(drift.get(0).threshold());
        assertThat(drift.get(1).trainingStep()).isEqualTo(drift.get(0).trainingStep() + 50);
    }

    @Test
    void noisyButStationaryLossRaisesNoDriftAndATripledResidualIsCaughtQuickly() {
        // given 5,000 trades whose residuals are 3 % (Gaussian, seeded)
        Random random = new Random(7);
        for (int i = 0; i < 5_000; i++) step(square(random.nextGaussian() * 0.03), GOOD_R2, DIFFERENT_WEIGHTS);
        assertThat(of(AlertType.LOSS_DRIFT)).isEmpty();
        long before = step;

        // when the residuals triple
        while (of(AlertType.LOSS_DRIFT).isEmpty() && step < before + 500) {
            step(square(random.nextGaussian() * 0.09), GOOD_R2, DIFFERENT_WEIGHTS);
        }

        // then the drift is raised within a few dozen trades
        assertThat(of(AlertType.LOSS_DRIFT)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(RAISED);
            assertThat(e.trainingStep() - before).isLessThan(40);
        });
    }

    @Test
    void clearAllEndsEveryActiveAlertOnceWithItsReason() {
        // given an active loss-rise and drift alert, and a failed checkpoint
        steps(200, 0.001);
        steps(40, 0.004);
        monitor.checkpointFailed(240, "too big");

        // when everything is cleared (the learner was replaced)
        List<AlertEvent> cleared = monitor.clearAll(0, "cleared by the reset command c-1");

        // then one CLEARED per active alert, in type order, and nothing left to clear
        assertThat(cleared).extracting(AlertEvent::type, AlertEvent::state, AlertEvent::trainingStep, AlertEvent::message)
                .containsExactly(tuple(AlertType.LOSS_RISING, CLEARED, 0L, "cleared by the reset command c-1"),
                        tuple(AlertType.CHECKPOINT_FAILED, CLEARED, 0L, "cleared by the reset command c-1"),
                        tuple(AlertType.LOSS_DRIFT, CLEARED, 0L, "cleared by the reset command c-1"));
        assertThat(monitor.active()).isEmpty();
        assertThat(monitor.clearAll(0, "again")).isEmpty();
    }

    @Test
    void restoredStateKeepsActiveAlertsWithoutRaisingThemAgainAndContinuesIdentically() {
        // given a monitor with an active loss-rise and drift alert
        steps(200, 0.001);
        steps(40, 0.004);
        assertThat(monitor.active()).extracting(AlertEvent::type).contains(AlertType.LOSS_RISING, AlertType.LOSS_DRIFT);
        byte[] bytes = encode(monitor);

        // when it is restored and both copies see the same further steps
        AlertMonitor restored = decode(bytes);
        List<AlertEvent> original = new ArrayList<>();
        List<AlertEvent> copy = new ArrayList<>();
        for (long s = 241; s <= 400; s++) {
            original.addAll(monitor.onStep(s, 0.004, GOOD_R2, DIFFERENT_WEIGHTS));
            copy.addAll(restored.onStep(s, 0.004, GOOD_R2, DIFFERENT_WEIGHTS));
        }

        // then the same bytes, the same active alerts, and the same transitions (clears only, no second raise)
        assertThat(encode(decode(bytes))).isEqualTo(bytes);
        assertThat(copy).isEqualTo(original).isNotEmpty().allMatch(e -> e.state() == CLEARED);
        assertThat(encode(restored)).isEqualTo(encode(monitor));
    }

    private void steps(int count, double loss) {
        for (int i = 0; i < count; i++) step(loss, GOOD_R2, DIFFERENT_WEIGHTS);
    }

    private void step(double loss, Double r2, Map<String, Double> weights) {
        events.addAll(monitor.onStep(++step, loss, r2, weights));
    }

    private List<AlertEvent> of(AlertType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    private static double square(double x) {
        return x * x;
    }

    private static byte[] encode(AlertMonitor monitor) {
        ByteBuffer out = ByteBuffer.allocate(monitor.encodedSize());
        monitor.encode(out);
        assertThat(out.hasRemaining()).as("encodedSize is exact").isFalse();
        return out.array();
    }

    private static AlertMonitor decode(byte[] bytes) {
        return AlertMonitor.decode(ByteBuffer.wrap(bytes), AlertConfig.defaults());
    }

    @Test
    void aDivergedLearnerRaisesDivergedOnceAndItClearsWhenAHealthyLearnerStepsOn() {
        // given / when a learner that diverged at step 7 steps twice, then its replacement steps
        var raised = monitor.divergence(7, 7, "its parameters are not finite");
        var again = monitor.divergence(8, 7, "its parameters are not finite");
        var active = monitor.active();
        var cleared = monitor.divergence(9, 0, "");
        // then
        assertThat(raised).hasValueSatisfying(e -> {
            assertThat(e.type()).isEqualTo(AlertType.DIVERGED);
            assertThat(e.raised()).isTrue();
            assertThat(e.message()).contains("diverged at step 7: its parameters are not finite");
        });
        assertThat(again).isEmpty();
        assertThat(active).extracting(AlertEvent::type).containsExactly(AlertType.DIVERGED);
        assertThat(cleared).hasValueSatisfying(e -> assertThat(e.raised()).isFalse());
        assertThat(AlertType.DIVERGED.id()).isEqualTo("diverged");
    }
}
