package io.pim.metalearner.learn.dl4j;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.FastEngine;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.testing.SyntheticStream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class Dl4jExportTest {
    static final Network NET = new Network(9);
    static FastEngine trained;

    @BeforeAll
    static void trainAFewHundredSteps() {
        trained = new FastEngine(NET, AdamState.fresh(NET.initialParams(new Rng(8))));
        SyntheticStream stream = new SyntheticStream(NET, 8);
        for (int i = 0; i < 300; i++) {
            stream.next();
            trained.trainStep(stream.features, stream.target, stream.mask1, stream.mask2);
        }
    }

    @Test
    void plainDl4jLoadsTheExportAndPredictsLikeTheFastEngine(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("model.zip");
        Dl4jExport.write(NET, trained.state(), file);

        // when: DL4J alone, as a user of DL4J tooling would
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file.toFile());

        // then
        SyntheticStream inputs = new SyntheticStream(NET, 99);
        double worst = 0;
        for (int i = 0; i < 100; i++) {
            float[] x = inputs.next().features;
            float dl4j = restored.output(Nd4j.createFromArray(x).reshape(1, x.length)).getFloat(0);
            worst = Math.max(worst, Math.abs(dl4j - trained.predict(x)));
        }
        System.out.printf("export: max |dl4j output - fast predict| over 100 inputs %.3e%n", worst);
        assertThat(worst).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void exportRoundTripsParametersMomentsAndStep(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("model.zip");
        AdamState state = trained.state();

        // when
        Dl4jExport.write(NET, state, file);
        AdamState back = Dl4jExport.read(file, NET);

        // then
        assertThat(back.params()).containsExactly(state.params());
        assertThat(back.m()).containsExactly(state.m());
        assertThat(back.v()).containsExactly(state.v());
        assertThat(back.step()).isEqualTo(300);
    }

    @Test
    void aFileForAnotherRosterIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.zip");
        Dl4jExport.write(NET, trained.state(), file);

        assertThatThrownBy(() -> Dl4jExport.read(file, new Network(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("27 inputs");
    }
}
