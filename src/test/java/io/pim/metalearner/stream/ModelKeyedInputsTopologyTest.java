package io.pim.metalearner.stream;

import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs keyed by model id ({@code input.keying=model-id}): the join and the training step in one
 * task, the training topic written in training order with positions, and the records that break
 * the contract dead-lettered; on TopologyTestDriver (one partition, 0) with a real registry.
 */
@ExtendWith(RegistryExtension.class)
class ModelKeyedInputsTopologyTest {
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private ServiceConfig config(String keying, int partitions) {
        return TopologyFixture.config(registry, stateDir)
                .with(Map.of("input.keying", keying, "training.partitions", Integer.toString(partitions)));
    }

    private static DecisionVotes votes(String decisionId, String modelId) {
        DecisionVotes v = Trades.votes(decisionId);
        v.setModelId(modelId);
        return v;
    }

    private static TradeClosed close(int k, String modelId) {
        TradeClosed c = Trades.close("d-" + k, 150.0, 150.0 * (1 + 0.03 * Math.sin(k * 0.7)));
        c.setModelId(modelId);
        return c;
    }

    /** A model whose id hashes to {@code partition} of {@code partitions}. */
    private static String modelIn(int partition, int partitions) {
        return IntStream.range(0, 1000).mapToObj(i -> "model-" + i)
                .filter(m -> ModelPartitions.of(m, partitions) == partition).findFirst().orElseThrow();
    }

    @Test
    void aCloseIsTrainedInTheJoinsTaskAndTheTrainingTopicHoldsWhatWasTrainedInOrder() {
        try (TopologyFixture f = new TopologyFixture(config("model-id", 1))) {
            // given
            Topics topics = f.topics();
            TestInputTopic<String, DecisionVotes> votesIn = f.input(topics.decisionVotes());
            TestInputTopic<String, TradeClosed> closesIn = f.input(topics.tradeClosed());
            TestOutputTopic<String, WeightsUpdated> weights = f.output(topics.weightsUpdated());
            TestOutputTopic<String, DecisionScore> scores = f.output(topics.decisionScores());
            TestOutputTopic<byte[], byte[]> training = f.driver().createOutputTopic(topics.training().name(),
                    Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());

            // when: a decision's votes, then its close, keyed by the model
            votesIn.pipeInput("m1", votes("d-0", "m1"));
            assertThat(scores.readValuesToList()).as("scored as soon as the votes arrive").hasSize(1);
            closesIn.pipeInput("m1", close(0, "m1"));

            // then: its weights come out of the same pipe, from training-topic position 1 (the votes are 0)
            List<WeightsUpdated> out = weights.readValuesToList();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).getTrainingStep()).isEqualTo(1);
            assertThat(out.get(0).getDecisionId()).isEqualTo("d-0");
            assertThat(out.get(0).getSourceTopic()).isEqualTo(topics.training().name());
            assertThat(out.get(0).getSourceOffset()).isEqualTo(1);
            List<TestRecord<byte[], byte[]>> written = training.readRecordsToList();
            assertThat(written).hasSize(2);
            assertThat(written).extracting(r -> TrainingPositions.of(r.headers(), -1)).containsExactly(0L, 1L);
            assertThat(written).extracting(r -> new String(r.key())).containsOnly("m1");
        }
    }

    @Test
    void bothRoutesTrainTheSameBytesAndAReplayOfTheWrittenTopicReproducesTheLiveModel() {
        List<String> byDecision = new ArrayList<>();
        try (TopologyFixture f = new TopologyFixture(config("decision-id", 1))) {
            TestInputTopic<String, DecisionVotes> votesIn = f.input(f.topics().decisionVotes());
            TestInputTopic<String, TradeClosed> closesIn = f.input(f.topics().tradeClosed());
            for (int k = 0; k < 30; k++) {
                votesIn.pipeInput("d-" + k, votes("d-" + k, "m1"));
                closesIn.pipeInput("d-" + k, close(k, null));
            }
            f.output(f.topics().weightsUpdated()).readValuesToList().forEach(w -> byDecision.add(w.getFingerprint()));
        }
        try (TopologyFixture f = new TopologyFixture(config("model-id", 1))) {
            // given
            Topics topics = f.topics();
            TestInputTopic<String, DecisionVotes> votesIn = f.input(topics.decisionVotes());
            TestInputTopic<String, TradeClosed> closesIn = f.input(topics.tradeClosed());
            TestInputTopic<String, Command> commands = f.input(topics.commands());
            TestOutputTopic<String, CommandResult> results = f.output(topics.commandResults());
            TestOutputTopic<byte[], byte[]> training = f.driver().createOutputTopic(topics.training().name(),
                    Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());

            // when: the same trades keyed by model, half of them before the votes (late votes)
            for (int k = 0; k < 30; k++) {
                if (k % 2 == 0) {
                    votesIn.pipeInput("m1", votes("d-" + k, "m1"));
                    closesIn.pipeInput("m1", close(k, "m1"));
                } else {
                    closesIn.pipeInput("m1", close(k, "m1"));
                    votesIn.pipeInput("m1", votes("d-" + k, "m1"));
                }
            }
            List<String> byModel = f.output(topics.weightsUpdated()).readValuesToList().stream()
                    .map(WeightsUpdated::getFingerprint).toList();

            // then: step for step the same learner as the decision-keyed route
            assertThat(byModel).hasSize(30).isEqualTo(byDecision);

            // and when: a reset arrives among the trades, applied where it lands, then more trades
            Command reset = CommandClient.reset("m1");
            commands.pipeInput("m1", reset);
            assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.getApplied()).isTrue());
            for (int k = 30; k < 35; k++) {
                votesIn.pipeInput("m1", votes("d-" + k, "m1"));
                closesIn.pipeInput("m1", close(k, "m1"));
            }
            List<WeightsUpdated> after = f.output(topics.weightsUpdated()).readValuesToList();
            String live = after.get(after.size() - 1).getFingerprint();

            // then: replaying the training topic as written (positions from the headers) ends at the live model
            TrainingReplay.Run replay = new TrainingReplay.Run(f.config(), f.config().learner(), "m1");
            @SuppressWarnings("unchecked")
            Deserializer<Object> values = (Deserializer<Object>) (Deserializer<?>) topics.training().valueSerde().deserializer();
            long previous = -1;
            for (TestRecord<byte[], byte[]> r : training.readRecordsToList()) {
                long position = TrainingPositions.of(r.headers(), -1);
                assertThat(position).isGreaterThan(previous);
                previous = position;
                replay.accept(position, AvroTrades.decode(values, topics.training().name(), r.value()));
            }
            assertThat(after.get(after.size() - 1).getTrainingStep()).isEqualTo(5);
            assertThat(replay.learner("m1").fingerprint()).isEqualTo(live);
        }
    }

    @Test
    void recordsThatBreakTheModelKeyedContractAreDeadLetteredWithAReasonThatNamesTheFix() {
        String here = modelIn(0, 2);
        String elsewhere = modelIn(1, 2);
        try (TopologyFixture f = new TopologyFixture(config("model-id", 2))) {
            // given
            Topics topics = f.topics();
            TestInputTopic<String, DecisionVotes> votesIn = f.input(topics.decisionVotes());
            TestInputTopic<String, TradeClosed> closesIn = f.input(topics.tradeClosed());
            TestOutputTopic<byte[], DeadLetter> dead = f.output(topics.deadLetter());
            TestOutputTopic<String, WeightsUpdated> weights = f.output(topics.weightsUpdated());

            // when
            votesIn.pipeInput(here, votes("d-1", here));
            closesIn.pipeInput(here, close(1, null));                  // a close that names no model
            closesIn.pipeInput("d-1", close(1, here));                 // keyed by decision, not model
            votesIn.pipeInput(elsewhere, votes("d-2", elsewhere));     // partition 0, but its model hashes to 1
            closesIn.pipeInput(here, close(1, here));                  // the right one at last

            // then
            List<DeadLetter> letters = dead.readValuesToList();
            assertThat(letters).extracting(DeadLetter::getReason).containsExactly(
                    DeadLetters.MODEL_MISSING, DeadLetters.KEY_MISMATCH, DeadLetters.WRONG_PARTITION);
            assertThat(letters.get(0).getDetail()).contains("set model_id", "input.keying=model-id");
            assertThat(letters.get(1).getDetail()).contains("key 'd-1' is not the model id '" + here + "'");
            assertThat(letters.get(2).getDetail()).contains("hashes to partition 1 of 2", "default partitioner");
            assertThat(weights.readValuesToList()).singleElement()
                    .satisfies(w -> assertThat(w.getDecisionId()).isEqualTo("d-1"));
        }
    }

    @Test
    void aModelKeyedRecordIsAKeyMismatchWhereInputsAreKeyedByDecision() {
        try (TopologyFixture f = new TopologyFixture(config("decision-id", 1))) {
            f.input(f.topics().decisionVotes()).pipeInput("m1", votes("d-1", "m1"));
            assertThat(f.output(f.topics().deadLetter()).readValuesToList()).singleElement().satisfies(d -> {
                assertThat(d.getReason()).isEqualTo(DeadLetters.KEY_MISMATCH);
                assertThat(d.getDetail()).contains("input.keying=model-id");
            });
        }
    }
}
