package io.pim.metalearner.cli;

import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/** What export writes and import reads back, for the original network and for a variant without a DL4J form. */
class ModelFileTest {

    @Test
    void theOriginalIsExportedWithItsDl4jNetworkAndItsStateByteForByte(@TempDir Path dir) throws Exception {
        byte[] state = trainedState("original");
        Path file = dir.resolve("original.zip");

        ModelFile.write(state, file);

        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertThat(zip.getEntry(ModelFile.DL4J)).isNotNull();
        }
        assertThat(ModelFile.readState(file)).isEqualTo(state);
    }

    @Test
    void aVariantWithoutADl4jFormIsExportedAsItsStateAloneAndRoundTrips(@TempDir Path dir) throws Exception {
        // given: a ridge learner, which has no network for DL4J tooling to open
        byte[] state = trainedState("ridge");
        Path file = dir.resolve("ridge.zip");

        // when
        ModelFile.write(state, file);

        // then
        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertThat(zip.getEntry(ModelFile.DL4J)).isNull();
            assertThat(zip.getEntry(ModelFile.STATE)).isNotNull();
        }
        assertThat(LearnerCodec.fingerprint(ModelFile.readState(file))).isEqualTo(LearnerCodec.fingerprint(state));
    }

    private static byte[] trainedState(String spec) throws Exception {
        Learner learner = Learner.create(LearnerSpec.parse(spec).applyTo(LearnerConfig.defaults()));
        for (int i = 0; i < 20; i++) {
            learner.train(FeedbackJson.parse("{\"decision_id\":\"d-" + i + "\",\"action\":\"BUY\",\"entry_price\":100,"
                    + "\"exit_price\":" + (100 + (i % 3) - 1) + ",\"agent_votes\":{\"TradingAgent\":"
                    + "{\"direction\":\"LONG\",\"confidence\":0.8,\"position_size\":1}}}"));
        }
        return LearnerCodec.encode(learner);
    }
}
