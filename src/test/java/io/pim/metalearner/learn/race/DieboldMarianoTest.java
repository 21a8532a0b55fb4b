package io.pim.metalearner.learn.race;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DieboldMarianoTest {

    @Test
    void statisticAndPValueMatchAHandComputedExample() {
        // given: loss differentials d = e_live² − e_candidate² of five trades
        double[] d = {0.5, -0.2, 0.3, 0.1, 0.3};
        // by hand: mean 1.0 / 5 = 0.2; deviations 0.3, -0.4, 0.1, -0.1, 0.1, squares summing to 0.28,
        // so gamma0 = 0.28 / 5 = 0.056; DM = 0.2 / sqrt(0.056 / 5) = 0.2 / 0.1058301 = 1.889822;
        // one-sided p = 1 - Phi(1.889822) = 0.0293909

        // when
        DieboldMariano test = DieboldMariano.of(d);

        // then
        assertThat(test.trades()).isEqualTo(5);
        assertThat(test.meanDiff()).isCloseTo(0.2, within(1e-12));
        assertThat(test.statistic()).isCloseTo(1.889822, within(1e-6));
        assertThat(test.pValue()).isCloseTo(0.0293909, within(1e-6));
        assertThat(test.candidateBetter(0.05)).isTrue();
        assertThat(test.candidateBetter(0.01)).isFalse();
    }

    @Test
    void pValueIsTheUpperNormalTail() {
        assertThat(DieboldMariano.upperTail(0)).isCloseTo(0.5, within(1e-7));
        assertThat(DieboldMariano.upperTail(1.959964)).isCloseTo(0.025, within(1e-7));
        assertThat(DieboldMariano.upperTail(-1.959964)).isCloseTo(0.975, within(1e-7));
        assertThat(DieboldMariano.upperTail(5)).isCloseTo(2.8665e-7, within(1e-10));
    }

    @Test
    void aCandidateWorseThanTheLiveModelIsNeverBetter() {
        DieboldMariano test = DieboldMariano.of(new double[]{-0.5, 0.2, -0.3, -0.1, -0.3});
        assertThat(test.statistic()).isCloseTo(-1.889822, within(1e-6));
        assertThat(test.pValue()).isCloseTo(1 - 0.0293909, within(1e-6));
        assertThat(test.candidateBetter(0.5)).isFalse();
    }

    @Test
    void theTestIsUndefinedWithoutVarianceOrWithOneTrade() {
        // a twin of the live model (a promoted candidate) has a differential of zero on every trade
        DieboldMariano twin = DieboldMariano.of(new double[]{0, 0, 0, 0});
        assertThat(twin.statistic()).isNaN();
        assertThat(twin.pValue()).isEqualTo(1);
        assertThat(twin.candidateBetter(0.5)).isFalse();
        assertThat(DieboldMariano.of(new double[]{0.3}).statistic()).isNaN();
        assertThat(DieboldMariano.of(new double[0]).trades()).isZero();
    }

    @Test
    void aSliceIsTestedOnItsOwn() {
        double[] padded = {99, 0.5, -0.2, 0.3, 0.1, 0.3, -99};
        assertThat(DieboldMariano.of(padded, 1, 5)).isEqualTo(DieboldMariano.of(new double[]{0.5, -0.2, 0.3, 0.1, 0.3}));
    }

    @Test
    void neweyWestVarianceMatchesAHandComputation() {
        // given: outcomes that overlap in pairs, so neighbouring differentials move together
        double[] d = {0.4, 0.4, 0.0, 0.0, 0.2, 0.2};
        // by hand: mean 0.2; deviations 0.2, 0.2, -0.2, -0.2, 0, 0;
        // gamma0 = 4 x 0.04 / 6 = 0.0266667, gamma1 = (0.04 - 0.04 + 0.04 + 0 + 0) / 6 = 0.0066667;
        // Bartlett at lag 1 weighs gamma1 by 1 - 1/2: variance 0.0266667 + 2 x 0.5 x 0.0066667 = 0.0333333,
        // DM = 0.2 / sqrt(0.0333333 / 6) = 2.683282, p = 0.0036452 (lag 0: DM 3.0, p 0.0013499)

        // when
        DieboldMariano oneStep = DieboldMariano.of(d, 0, 6, 0);
        DieboldMariano overlapping = DieboldMariano.of(d, 0, 6, 1);

        // then
        assertThat(oneStep.statistic()).isCloseTo(3.0, within(1e-9));
        assertThat(oneStep.pValue()).isCloseTo(0.0013499, within(1e-6));
        assertThat(overlapping.lag()).isEqualTo(1);
        assertThat(overlapping.statistic()).isCloseTo(2.683282, within(1e-6));
        assertThat(overlapping.pValue()).isCloseTo(0.0036452, within(1e-6));
    }

    @Test
    void bartlettWeightsAtLagTwoMatchAHandComputation() {
        // given: the differentials of the first example
        double[] d = {0.5, -0.2, 0.3, 0.1, 0.3};
        // by hand: deviations 0.3, -0.4, 0.1, -0.1, 0.1; gamma0 0.056, gamma1 -0.18 / 5 = -0.036,
        // gamma2 (0.03 + 0.04 + 0.01) / 5 = 0.016; weights 2/3 and 1/3:
        // 0.056 + 2 (2/3 x -0.036 + 1/3 x 0.016) = 0.0186667; DM = 0.2 / sqrt(0.0186667 / 5) = 3.273268

        // when
        DieboldMariano test = DieboldMariano.of(d, 0, 5, 2);

        // then
        assertThat(test.statistic()).isCloseTo(3.273268, within(1e-6));
        assertThat(test.pValue()).isCloseTo(0.00053156, within(1e-7));
        // a lag beyond the sample is capped at n - 1
        assertThat(DieboldMariano.of(d, 0, 5, 50).lag()).isEqualTo(4);
    }
}
