package io.pim.metalearner.learn.dl4j;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.testing.SyntheticStream;
import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class Dl4jEngineTest {

    @Test
    void stateRoundTripsExactlyThroughDl4jViews() {
        // given: a state with distinct params, moments and step
        Network net = new Network(5);
        Rng rng = new Rng(21);
        float[] p = net.initialParams(rng), m = net.initialParams(rng), v = net.initialParams(rng);
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
        AdamState given = new AdamState(p, m, v, 1234);

        // when
        Dl4jEngine engine = new Dl4jEngine(net, given);
        AdamState back = engine.state();

        // then
        assertThat(back.params()).containsExactly(p);
        assertThat(back.m()).containsExactly(m);
        assertThat(back.v()).containsExactly(v);
        assertThat(back.step()).isEqualTo(1234);
        assertThat(engine.model().getIterationCount()).isEqualTo(1234);
    }

    @Test
    void updaterStateIsOneAdamBlockOfFirstMomentsThenSecond() {
        // given
        Network net = new Network(3);
        Rng rng = new Rng(2);
        float[] m = net.initialParams(rng), v = net.initialParams(rng);
        Dl4jEngine engine = new Dl4jEngine(net, new AdamState(net.initialParams(rng), m, v, 7));

        // when: the array ModelSerializer saves as the updater state
        INDArray view = engine.model().getUpdater().getStateViewArray();

        // then
        float[] flat = view.toFloatVector();
        assertThat(flat).hasSize(2 * net.paramCount);
        float[] first = new float[net.paramCount], second = new float[net.paramCount];
        System.arraycopy(flat, 0, first, 0, net.paramCount);
        System.arraycopy(flat, net.paramCount, second, 0, net.paramCount);
        assertThat(first).containsExactly(m);
        assertThat(second).containsExactly(v);
    }

    @Test
    void anyRosterSizeTrainsAndPredicts() {
        for (int agents : new int[] {1, 2, 13}) {
            // given
            Network net = new Network(agents);
            Dl4jEngine engine = new Dl4jEngine(net, AdamState.fresh(net.initialParams(new Rng(agents))));
            SyntheticStream stream = new SyntheticStream(net, agents);

            // when
            float loss = engine.trainStep(stream.next().features, stream.target, stream.mask1, stream.mask2);

            // then
            assertThat(loss).isFinite();
            assertThat(engine.state().step()).isEqualTo(1);
            assertThat(Math.abs(engine.predict(stream.features))).isLessThan(Network.OUTPUT_SCALE);
        }
    }

    @Test
    void configurationWithCustomActivationRoundTripsThroughJson() {
        // given
        MultiLayerNetwork model = Dl4jEngine.newModel(new Network(9), SuppliedMaskDropout::new);

        // when
        String json = model.getLayerWiseConfigurations().toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);

        // then
        assertThat(json).contains(ScaledTanh.class.getName()).contains("\"scale\" : 0.2");
        assertThat(back.getConf(2).getLayer()).isEqualTo(model.getLayerWiseConfigurations().getConf(2).getLayer());
    }
}
