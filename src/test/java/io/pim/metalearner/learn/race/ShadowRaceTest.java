package io.pim.metalearner.learn.race;

import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ShadowRaceTest {
    private static final PromotionPolicy MANUAL = new PromotionPolicy("manual", 20, 0.01, 50, false);
    private static final PromotionPolicy AUTO = new PromotionPolicy("auto", 20, 0.01, 50, false);

    private long step;

    /** One trade: the live model predicts 0 and the candidate the target minus {@code candidateError}. */
    private void trade(ShadowRace race, double target, double candidateError) {
        step++;
        race.add(target, new ShadowRace.Entrant("m", step, 0, 0), 0,
                List.of(new ShadowRace.Entrant("m~ridge", step, target - candidateError, 0)));
    }

    /** A candidate that is clearly better: errors ten times smaller on targets that alternate. */
    private void betterTrades(ShadowRace race, int n) {
        for (int i = 0; i < n; i++) {
            double target = (i % 2 == 0 ? 1 : -1) * (0.01 + 0.001 * (i % 7));
            trade(race, target, target / 10);
        }
    }

    @Test
    void standingsCompareLossR2AndPnlOnTheSameTrades() {
        // given: four trades; the live model predicts 0, the candidate is close (worked by hand:
        // squared errors live 1e-4, 4e-4, 9e-4, 0 and candidate 0, 1e-4, 1e-4, 1e-4)
        ShadowRace race = new ShadowRace(10);
        double[] targets = {0.01, -0.02, 0.03, 0.00};
        double[] candidate = {0.01, -0.01, 0.02, 0.01};
        for (int i = 0; i < 4; i++) {
            // each trade's committee P&L: live 0.01, candidate 0.02, uniform 0.005
            race.add(targets[i], new ShadowRace.Entrant("m", i + 1, 0, 0.01), 0.005,
                    List.of(new ShadowRace.Entrant("m~ridge", i + 1, candidate[i], 0.02)));
        }

        // when
        ShadowRace.Standing s = race.standings().get(0);

        // then: mean squared errors, R² against the window's mean target, P&L summed per trade,
        // and DM on d = 1e-4, 3e-4, 8e-4, -1e-4: mean 2.75e-4, gamma0 1.11875e-7, DM 1.644357, p 0.050051
        assertThat(s.candidate()).isEqualTo("m~ridge");
        assertThat(s.trades()).isEqualTo(4);
        assertThat(s.liveLoss()).isCloseTo(3.5e-4, within(1e-12));
        assertThat(s.candidateLoss()).isCloseTo(0.75e-4, within(1e-12));
        assertThat(s.liveR2()).isCloseTo(-0.0769231, within(1e-6));
        assertThat(s.candidateR2()).isCloseTo(0.7692308, within(1e-6));
        assertThat(s.livePnl()).isCloseTo(0.04, within(1e-12));
        assertThat(s.candidatePnl()).isCloseTo(0.08, within(1e-12));
        assertThat(s.uniformPnl()).isCloseTo(0.02, within(1e-12));
        assertThat(s.test().statistic()).isCloseTo(1.644357, within(1e-6));
        assertThat(s.test().pValue()).isCloseTo(0.050051, within(1e-6));
        assertThat(race.live().trades()).isEqualTo(4);
        assertThat(race.live().loss()).isCloseTo(3.5e-4, within(1e-12));
    }

    @Test
    void theWindowKeepsTheNewestTrades() {
        ShadowRace race = new ShadowRace(30);
        betterTrades(race, 100);
        assertThat(race.standings().get(0).trades()).isEqualTo(30);
        assertThat(race.trades()).isEqualTo(100);
    }

    @Test
    void manualRaisesCandidateBetterOnceAndClearsItWhenTheAdvantageIsGone() {
        ShadowRace race = new ShadowRace(40);
        // given: too few trades to judge
        betterTrades(race, 19);
        assertThat(race.judge(MANUAL, step, false).alerts()).isEmpty();

        // when: the 20th trade, then more
        trade(race, 0.02, 0.002);
        ShadowRace.Verdict first = race.judge(MANUAL, step, false);
        betterTrades(race, 5);
        ShadowRace.Verdict later = race.judge(MANUAL, step, false);

        // then: raised once, never promoted under manual
        assertThat(first.alerts()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(AlertType.CANDIDATE_BETTER);
            assertThat(a.state()).isEqualTo(AlertEvent.State.RAISED);
            assertThat(a.value()).isLessThan(0.01);
            assertThat(a.message()).contains("m~ridge").contains("Diebold–Mariano");
        });
        assertThat(first.promote()).isNull();
        assertThat(later.alerts()).isEmpty();
        assertThat(race.alerted()).containsExactly("m~ridge");

        // when: the candidate gets far worse than the live model for a whole window
        for (int i = 0; i < 40; i++) trade(race, (i % 2 == 0 ? 1 : -1) * 0.01, 0.05);
        ShadowRace.Verdict worse = race.judge(MANUAL, step, false);

        // then
        assertThat(worse.alerts()).singleElement().satisfies(a -> assertThat(a.state()).isEqualTo(AlertEvent.State.CLEARED));
        assertThat(race.alerted()).isEmpty();
    }

    @Test
    void autoPromotesTheWinnerOnceUntilItsCommandIsSettledThenWaitsOutTheCooldown() {
        ShadowRace race = new ShadowRace(40);
        betterTrades(race, 20);
        assertThat(race.judge(AUTO, step, false).promote()).isEqualTo("m~ridge");
        assertThat(race.pendingPromotion()).isEqualTo("m~ridge");

        // the command queues behind a backlog of trades: however long, no second one is issued
        for (int i = 0; i < 200; i++) {
            betterTrades(race, 1);
            assertThat(race.judge(AUTO, step, false).promote()).isNull();
        }

        // when it is applied (the live model is the candidate now, the race starts over)
        race.restart(step, "promoted");
        race.promotionSettled();
        assertThat(race.pendingPromotion()).isNull();
        assertThat(race.tradesSincePromotion()).isZero();

        // then: a candidate that wins again is promoted only once the cooldown (50) since the application is over
        betterTrades(race, 49);
        assertThat(race.judge(AUTO, step, false).promote()).isNull();
        betterTrades(race, 1);
        assertThat(race.judge(AUTO, step, false).promote()).isEqualTo("m~ridge");
    }

    @Test
    void autoDoesNotPromoteOnAWindowWithADriftAlertUnlessAllowed() {
        ShadowRace race = new ShadowRace(40);
        betterTrades(race, 10);
        race.driftRaised();
        betterTrades(race, 20);

        assertThat(race.driftInWindow(false)).isTrue();
        ShadowRace.Verdict guarded = race.judge(AUTO, step, false);
        assertThat(guarded.promote()).isNull();
        assertThat(guarded.alerts()).hasSize(1); // still reported
        assertThat(race.judge(new PromotionPolicy("auto", 20, 0.01, 50, true), step, false).promote()).isEqualTo("m~ridge");

        // once the drift left the window it no longer blocks, unless a drift alert is still active
        ShadowRace later = new ShadowRace(40);
        betterTrades(later, 5);
        later.driftRaised();
        betterTrades(later, 45);
        assertThat(later.driftInWindow(false)).isFalse();
        assertThat(later.judge(AUTO, step, true).promote()).isNull();
        assertThat(later.judge(AUTO, step, false).promote()).isEqualTo("m~ridge");
    }

    @Test
    void aRestartEmptiesTheWindowAndClearsTheAlerts() {
        ShadowRace race = new ShadowRace(40);
        betterTrades(race, 25);
        race.judge(MANUAL, step, false);

        List<AlertEvent> cleared = race.restart(step, "promoted");

        assertThat(cleared).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AlertEvent.State.CLEARED);
            assertThat(a.message()).contains("m~ridge").contains("promoted");
        });
        assertThat(race.standings().get(0).trades()).isZero();
        assertThat(race.live().trades()).isZero();
        assertThat(race.trades()).isEqualTo(25);
    }

    @Test
    void aCandidateThatJoinsLateIsComparedOnlyFromThenOn() {
        ShadowRace race = new ShadowRace(40);
        for (int i = 1; i <= 10; i++) race.add(0.01, new ShadowRace.Entrant("m", i, 0, 0.01), 0, List.of());
        for (int i = 11; i <= 15; i++) {
            race.add(0.01, new ShadowRace.Entrant("m", i, 0, 0.01), 0,
                    List.of(new ShadowRace.Entrant("m~late", 40 + i, 0.01, 0.02)));
        }
        ShadowRace.Standing s = race.standings().get(0);
        assertThat(s.trades()).isEqualTo(5);
        assertThat(race.live().trades()).isEqualTo(15);
        // every trade it scored counts, its first too (its learner had history): 5 × 0.02 against the live's 5 × 0.01
        assertThat(s.candidatePnl()).isCloseTo(0.10, within(1e-12));
        assertThat(s.livePnl()).isCloseTo(0.05, within(1e-12));
    }

    @Test
    void encodeDecodeGivesTheSameRaceAndBytes() {
        ShadowRace race = new ShadowRace(40);
        betterTrades(race, 25);
        race.driftRaised();
        assertThat(race.judge(new PromotionPolicy("auto", 20, 0.01, 50, true), step, false).promote()).isEqualTo("m~ridge");

        byte[] bytes = race.encode();
        ShadowRace back = ShadowRace.decode(bytes, 40);

        assertThat(back.encode()).isEqualTo(bytes);
        assertThat(back.standings()).isEqualTo(race.standings());
        assertThat(back.alerted()).isEqualTo(race.alerted());
        assertThat(back.tradesSincePromotion()).isEqualTo(race.tradesSincePromotion());
        assertThat(back.pendingPromotion()).isEqualTo("m~ridge");
        // a smaller configured window keeps the newest trades
        assertThat(ShadowRace.decode(bytes, 10).standings().get(0).trades()).isEqualTo(10);
    }

    /** Clearly better trades from a candidate whose learner has (or has not) diverged. */
    private void candidateTrades(ShadowRace race, int n, boolean diverged, List<ShadowRace.Verdict> verdicts) {
        for (int i = 0; i < n; i++) {
            step++;
            double target = (i % 2 == 0 ? 1 : -1) * (0.01 + 0.001 * (i % 7));
            race.add(target, new ShadowRace.Entrant("m", step, 0, 0), 0,
                    List.of(new ShadowRace.Entrant("m~ridge", step, target - target / 10, 0, diverged)));
            verdicts.add(race.judge(AUTO, step, false));
        }
    }

    @Test
    void aDivergedCandidateIsDisqualifiedAndNeverPromotedUntilItIsReset() {
        // given a race under auto promotion whose candidate predicts far better but has diverged
        ShadowRace race = new ShadowRace(40);
        var verdicts = new java.util.ArrayList<ShadowRace.Verdict>();
        // when
        candidateTrades(race, 200, true, verdicts);
        // then its standing shows it disqualified, and no step alerted or promoted it
        assertThat(race.standings().get(0).disqualified()).isTrue();
        assertThat(race.disqualified()).containsExactly("m~ridge");
        assertThat(verdicts).allSatisfy(v -> {
            assertThat(v.promote()).isNull();
            assertThat(v.alerts()).isEmpty();
        });
        // and once a learner that has not diverged steps under its id (a reset), it may win again
        verdicts.clear();
        candidateTrades(race, 40, false, verdicts);
        assertThat(race.standings().get(0).disqualified()).isFalse();
        assertThat(verdicts).anySatisfy(v -> assertThat(v.promote()).isEqualTo("m~ridge"));
    }

    @Test
    void aCandidateThatDivergesLosesItsCandidateBetterAlert() {
        // given a candidate judged better
        ShadowRace race = new ShadowRace(40);
        betterTrades(race, 40);
        assertThat(race.judge(MANUAL, step, false).alerts()).extracting(AlertEvent::state).containsExactly(AlertEvent.State.RAISED);
        // when it diverges
        step++;
        race.add(0.01, new ShadowRace.Entrant("m", step, 0, 0), 0, List.of(new ShadowRace.Entrant("m~ridge", step, 0.01, 0, true)));
        ShadowRace.Verdict verdict = race.judge(MANUAL, step, false);
        // then
        assertThat(verdict.alerts()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(AlertType.CANDIDATE_BETTER);
            assertThat(a.state()).isEqualTo(AlertEvent.State.CLEARED);
            assertThat(a.message()).contains("diverged");
        });
        assertThat(race.alerted()).isEmpty();
    }

    @Test
    void disqualificationSurvivesARestart() {
        // given a race with a disqualified candidate
        ShadowRace race = new ShadowRace(40);
        candidateTrades(race, 30, true, new java.util.ArrayList<>());
        // when / then
        assertThat(ShadowRace.decode(race.encode(), 40).disqualified()).containsExactly("m~ridge");
    }

    @Test
    void aRaceJudgedAtTrainingTimeDecodesWithItsClocksAndCandidatesButNoRows() {
        // given a format-2 race (cumulative P&L, rows judged when the trades trained): 30 trades, one candidate
        // alerted and one disqualified, a promotion pending since trade 20, a drift at trade 25, two rows
        java.nio.ByteBuffer v2 = java.nio.ByteBuffer.allocate(512);
        v2.putInt(2).putInt(40).putLong(30).putLong(20).putLong(25).putDouble(0.5);
        putName(v2, "m~ridge");
        v2.putInt(2);
        putName(v2, "m~ridge");
        putName(v2, "m~net");
        v2.putInt(3).putDouble(0.1).putDouble(0.2).putDouble(0.3);
        v2.putInt(1);
        putName(v2, "m~ridge");
        v2.putInt(2);
        for (int r = 0; r < 2; r++) {
            v2.putInt(6);
            for (int k = 0; k < 6; k++) v2.putDouble(0.01 * k);
        }
        v2.putInt(1);
        putName(v2, "m~net");
        byte[] bytes = java.util.Arrays.copyOf(v2.array(), v2.position());

        // when
        ShadowRace race = ShadowRace.decode(bytes, 40);

        // then: the clocks, candidates, alerts and disqualification carry over; the hindsight rows do not
        assertThat(race.trades()).isEqualTo(30);
        assertThat(race.tradesSincePromotion()).isEqualTo(10);
        assertThat(race.pendingPromotion()).isEqualTo("m~ridge");
        assertThat(race.driftInWindow(false)).isFalse(); // the window is empty
        assertThat(race.alerted()).containsExactly("m~ridge");
        assertThat(race.disqualified()).containsExactly("m~net");
        assertThat(race.standings()).extracting(ShadowRace.Standing::candidate).containsExactly("m~ridge", "m~net");
        assertThat(race.standings()).allSatisfy(s -> assertThat(s.trades()).isZero());
        assertThat(race.live().trades()).isZero();
        assertThat(ShadowRace.decode(race.encode(), 40).encode()).isEqualTo(race.encode());
    }

    @Test
    void onPnlARuleWhoseCommitteeEarnsMoreIsPromotedThoughItsPredictionsAreTheSame() {
        // given a weight-rule candidate: the same predictions as the live model (loss differential 0), and a
        // committee that earns 0.01 more per trade than the live one's, give or take 0.004
        PromotionPolicy onLoss = new PromotionPolicy("auto", 20, 0.01, 50, false, PromotionPolicy.LOSS, 0);
        PromotionPolicy onPnl = new PromotionPolicy("auto", 20, 0.01, 50, false, PromotionPolicy.PNL, 0);
        ShadowRace race = new ShadowRace(40);
        for (int i = 1; i <= 30; i++) {
            double live = (i % 2 == 0 ? 1 : -1) * 0.02;
            race.add(0.01, new ShadowRace.Entrant("m", i, 0.005, live), 0,
                    List.of(new ShadowRace.Entrant("m~hedge", i, 0.005, live + 0.01 + (i % 3 - 1) * 0.004)));
        }

        // when / then: judged on loss it cannot be better; judged on P&L it is, and promoted
        assertThat(race.standings().get(0).test().statistic()).isNaN();
        assertThat(race.judge(onLoss, 30, false).promote()).isNull();
        ShadowRace.Verdict verdict = race.judge(onPnl, 30, false);
        assertThat(verdict.promote()).isEqualTo("m~hedge");
        assertThat(verdict.alerts()).singleElement().satisfies(a -> assertThat(a.message()).contains("on pnl"));
        assertThat(race.standings().get(0).pnlTest().meanDiff()).isCloseTo(0.01, within(1e-3));
    }

    @Test
    void overlappingTradesWidenTheTestUntilAnAdvantageIsNoLongerSignificant() {
        // given the same differentials twice: each trade alone, then each trade open while 9 others of the model closed
        ShadowRace alone = new ShadowRace(200), overlapping = new ShadowRace(200);
        java.util.Random random = new java.util.Random(4);
        double shared = 0;
        for (int i = 1; i <= 200; i++) {
            if (i % 10 == 1) shared = random.nextGaussian() * 0.01; // outcomes that overlap move together
            double advantage = 0.0015 + shared + 0.001 * random.nextGaussian();
            List<ShadowRace.Entrant> candidate = List.of(new ShadowRace.Entrant("m~c", i, 0, advantage));
            alone.add(0.01, 0, new ShadowRace.Entrant("m", i, 0, 0), 0, candidate);
            overlapping.add(0.01, 9, new ShadowRace.Entrant("m", i, 0, 0), 0, candidate);
        }
        PromotionPolicy onPnl = new PromotionPolicy("manual", 20, 0.01, 50, false, PromotionPolicy.PNL, 0);

        // when
        DieboldMariano naive = alone.standings().get(0).pnlTest(), wide = overlapping.standings().get(0).pnlTest();

        // then: the one-step variance calls the advantage significant, the long-run one at the overlap does not
        assertThat(naive.lag()).isZero();
        assertThat(wide.lag()).isEqualTo(9);
        assertThat(naive.candidateBetter(0.01)).isTrue(); // p 0.0002
        assertThat(wide.candidateBetter(0.01)).isFalse(); // p 0.06
        assertThat(alone.judge(onPnl, 200, false).alerts()).hasSize(1);
        assertThat(overlapping.judge(onPnl, 200, false).alerts()).isEmpty();
    }

    private static void putName(java.nio.ByteBuffer out, String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.putShort((short) b.length).put(b);
    }
}
