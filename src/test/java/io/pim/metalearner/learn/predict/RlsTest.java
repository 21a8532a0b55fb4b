package io.pim.metalearner.learn.predict;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RlsTest {
    private static final double FORGET = 0.998;

    /** Two features that always move together: the direction (1, −1) is never excited. */
    private static double[] collinear(int step) {
        double v = 1 + 0.5 * Math.sin(step);
        return new double[]{v, v};
    }

    @Test
    void forgettingDoesNotWindUpTheCovarianceOfADirectionTheInputsNeverExcite() {
        // given a prior P = I and thousands of collinear inputs
        double[] w = new double[2], p = {1, 0, 0, 1}, px = new double[2];
        double maxTrace = 2; // the prior's trace
        // when
        for (int t = 0; t < 5000; t++) {
            double[] x = collinear(t);
            Rls.update(w, p, px, x, 0.01 * x[0], FORGET, maxTrace);
        }
        // then P stays within the prior's trace (unbounded forgetting inflates it by 1/λ a step: e^10)
        assertThat(Rls.trace(p, 2)).isLessThanOrEqualTo(maxTrace);
        for (double v : p) assertThat(v).isFinite();
    }

    @Test
    void aFirstSmallExcitationOfTheNeglectedDirectionDoesNotMakeTheCoefficientsJump() {
        // given a model wound up on collinear inputs that fit y = 0.01·x₀
        double[] w = new double[2], p = {1, 0, 0, 1}, px = new double[2];
        for (int t = 0; t < 10_000; t++) {
            double[] x = collinear(t);
            Rls.update(w, p, px, x, 0.01 * x[0], FORGET, 2);
        }
        // when one input barely leaves the line, with a surprise in its target
        Rls.update(w, p, px, new double[]{1, 0.99}, 0.05, FORGET, 2);
        // then the prediction for an input off the line stays of the order of the targets seen
        double offTheLine = Rls.dot(w, new double[]{1, 0});
        assertThat(Math.abs(offTheLine)).isLessThan(0.1); // unbounded: about 4
    }

    @Test
    void withoutForgettingTheBoundNeverBindsAndTheStepIsThePlainOne() {
        // given two twins on well-excited inputs, one with no bound at all
        double[] w1 = new double[3], p1 = {1, 0, 0, 0, 1, 0, 0, 0, 1}, px1 = new double[3];
        double[] w2 = w1.clone(), p2 = p1.clone(), px2 = new double[3];
        for (int t = 0; t < 2000; t++) {
            double[] x = {Math.sin(t), Math.cos(1.3 * t), 1};
            double y = 0.02 * x[0] - 0.01 * x[1] + 0.001 * Math.sin(7 * t);
            // when
            Rls.update(w1, p1, px1, x, y, FORGET, 3);
            Rls.update(w2, p2, px2, x, y, FORGET, Double.POSITIVE_INFINITY);
        }
        // then the bound never bound: the same bits
        assertThat(w1).containsExactly(w2);
        assertThat(p1).containsExactly(p2);
    }
}
