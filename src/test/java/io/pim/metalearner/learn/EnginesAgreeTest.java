package io.pim.metalearner.learn;

import io.pim.metalearner.learn.dl4j.Dl4jEngine;
import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Engine;
import io.pim.metalearner.learn.net.FastEngine;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.testing.SyntheticStream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The fast engine and the DL4J engine compute the same training, so switching engines does not
 * change what a user gets: same initial parameters and dropout masks give the same parameters
 * and predictions, within float rounding.
 */
class EnginesAgreeTest {

    @Test
    void parametersAgreeAfterAThousandSteps() {
        // given
        Network net = new Network(9);
        AdamState start = AdamState.fresh(net.initialParams(new Rng(42)));
        FastEngine fast = new FastEngine(net, start);
        Dl4jEngine dl4j = new Dl4jEngine(net, start);
        SyntheticStream stream = new SyntheticStream(net, 7);

        // when
        double maxLossDiff = 0;
        for (int step = 0; step < 1_000; step++) {
            stream.next();
            float lf = fast.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
            float ld = dl4j.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
            maxLossDiff = Math.max(maxLossDiff, Math.abs(lf - ld));
        }

        // then
        AdamState a = fast.state(), b = dl4j.state();
        double params = maxAbsDiff(a.params(), b.params());
        System.out.printf("after 1000 steps: max |param diff| %.3e, max |m diff| %.3e, max |v diff| %.3e, max |loss diff| %.3e%n",
                params, maxAbsDiff(a.m(), b.m()), maxAbsDiff(a.v(), b.v()), maxLossDiff);
        assertThat(b.step()).isEqualTo(a.step()).isEqualTo(1_000);
        assertThat(params).isLessThanOrEqualTo(1e-6);
        assertThat(maxAbsDiff(a.params(), start.params())).as("training moved the parameters").isGreaterThan(1e-3);
    }

    @Test
    void aBoostedLearningRateAgreesToo() {
        // given both engines boosted x3 (a regime response) for 100 of 300 steps, then back to the seed's rate
        Network net = new Network(9);
        AdamState start = AdamState.fresh(net.initialParams(new Rng(8)));
        FastEngine fast = new FastEngine(net, start), unboosted = new FastEngine(net, start);
        Dl4jEngine dl4j = new Dl4jEngine(net, start);
        SyntheticStream stream = new SyntheticStream(net, 9);

        // when
        for (int step = 0; step < 300; step++) {
            float scale = step >= 100 && step < 200 ? 3f : 1f;
            fast.learningRateScale(scale);
            dl4j.learningRateScale(scale);
            stream.next();
            fast.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
            dl4j.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
            unboosted.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
        }

        // then the engines agree, and the boost made a difference
        assertThat(maxAbsDiff(fast.state().params(), dl4j.state().params())).isLessThanOrEqualTo(1e-6);
        assertThat(maxAbsDiff(fast.state().params(), unboosted.state().params())).isGreaterThan(1e-4);
    }

    @Test
    void predictionsAgreeOverAThreeThousandTradeStream() {
        // given
        Network net = new Network(9);
        AdamState start = AdamState.fresh(net.initialParams(new Rng(3)));
        FastEngine fast = new FastEngine(net, start);
        Dl4jEngine dl4j = new Dl4jEngine(net, start);
        SyntheticStream stream = new SyntheticStream(net, 11);

        // when: prequential, as the learner does: predict in eval mode, then train
        double maxDiff = 0;
        for (int step = 0; step < 3_000; step++) {
            stream.next();
            float pf = fast.predict(stream.features);
            float pd = dl4j.predict(stream.features);
            maxDiff = Math.max(maxDiff, Math.abs(pf - pd));
            fast.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
            dl4j.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
        }

        // then
        System.out.printf("over 3000 steps: max |prediction diff| %.3e, max |param diff| at the end %.3e%n",
                maxDiff, maxAbsDiff(fast.state().params(), dl4j.state().params()));
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void fastGradientMatchesFiniteDifferencesAndDl4j() {
        // given: one example, with dropout masks, from a trained-a-little state so no unit is fresh
        Network net = new Network(4);
        float[] params = net.initialParams(new Rng(5));
        SyntheticStream stream = new SyntheticStream(net, 13).next();
        FastEngine fast = new FastEngine(net, AdamState.fresh(params));
        Dl4jEngine dl4j = new Dl4jEngine(net, AdamState.fresh(params));

        // when
        float[] analytic = fast.gradient(stream.features, stream.target, stream.mask1, stream.mask2);
        dl4j.computeGradient(stream.features, stream.target, stream.mask1, stream.mask2);
        float[] fromDl4j = dl4j.gradient();

        // then: central differences of the loss computed in double, parameter by parameter
        double scale = 0;
        for (float gi : analytic) scale = Math.max(scale, Math.abs(gi));
        assertThat(scale).as("a non-trivial gradient").isGreaterThan(1e-4);
        double worst = 0;
        double h = 1e-6;
        double[] p = new double[params.length];
        for (int i = 0; i < p.length; i++) p[i] = params[i];
        for (int i = 0; i < p.length; i++) {
            double saved = p[i];
            p[i] = saved + h;
            double up = loss(net, p, stream);
            p[i] = saved - h;
            double down = loss(net, p, stream);
            p[i] = saved;
            worst = Math.max(worst, Math.abs((up - down) / (2 * h) - analytic[i]));
        }
        System.out.printf("gradient: max |fast - finite difference| %.3e, max |fast - dl4j| %.3e (max |g| %.3e)%n",
                worst, maxAbsDiff(analytic, fromDl4j), scale);
        assertThat(worst).isLessThanOrEqualTo(1e-5 * scale);
        assertThat(maxAbsDiff(analytic, fromDl4j)).isLessThanOrEqualTo(1e-6 * scale);
    }

    @Test
    void bothEnginesRefuseANonFiniteStepAndKeepTheirState() {
        // given both engines in the same trained state
        Network net = new Network(9);
        SyntheticStream stream = new SyntheticStream(net, 17);
        FastEngine fast = new FastEngine(net, AdamState.fresh(net.initialParams(new Rng(8))));
        for (int i = 0; i < 10; i++) {
            stream.next();
            fast.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
        }
        AdamState trained = fast.state();
        Dl4jEngine dl4j = new Dl4jEngine(net, trained);
        stream.next();
        float[] infiniteInput = stream.features.clone();
        infiniteInput[2] = Float.POSITIVE_INFINITY;

        for (Engine engine : List.of(fast, dl4j)) {
            // when: a target whose squared error overflows (loss), and an infinite input (gradient)
            var loss = catchThrowableOfType(InvalidTradeException.class,
                    () -> engine.trainStep(stream.features, 1e20f, stream.mask1, stream.mask2));
            var gradient = catchThrowableOfType(InvalidTradeException.class,
                    () -> engine.trainStep(infiniteInput, stream.target, stream.mask1, stream.mask2));

            // then
            assertThat(loss).as(engine.name() + ", huge target").isNotNull();
            assertThat(gradient).as(engine.name() + ", infinite input").isNotNull();
            assertThat(loss.reason()).isEqualTo(Rejection.NON_FINITE_VALUE);
            assertThat(gradient.reason()).isEqualTo(Rejection.NON_FINITE_VALUE);
            AdamState after = engine.state();
            assertThat(after.params()).as(engine.name()).isEqualTo(trained.params());
            assertThat(after.m()).isEqualTo(trained.m());
            assertThat(after.v()).isEqualTo(trained.v());
            assertThat(after.step()).isEqualTo(trained.step());
        }
    }

    /** The seed's training-mode loss in double, straight from the definition, as a reference. */
    private static double loss(Network net, double[] p, SyntheticStream s) {
        double[] a1 = new double[Network.HIDDEN1];
        for (int j = 0; j < a1.length; j++) {
            double z = p[net.b1 + j];
            for (int i = 0; i < net.inputs; i++) z += p[net.w1 + i + j * net.inputs] * s.features[i];
            a1[j] = Math.max(0, z) * s.mask1[j];
        }
        double[] a2 = new double[Network.HIDDEN2];
        for (int j = 0; j < a2.length; j++) {
            double z = p[net.b2 + j];
            for (int i = 0; i < a1.length; i++) z += p[net.w2 + i + j * Network.HIDDEN1] * a1[i];
            a2[j] = Math.max(0, z) * s.mask2[j];
        }
        double z = p[net.b3];
        for (int i = 0; i < a2.length; i++) z += p[net.w3 + i] * a2[i];
        double err = Network.OUTPUT_SCALE * Math.tanh(z) - s.target;
        return err * err;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs((double) a[i] - b[i]));
        return max;
    }
}
