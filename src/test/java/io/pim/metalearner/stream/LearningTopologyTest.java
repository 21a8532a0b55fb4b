package io.pim.metalearner.stream;

import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroSerdes;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The join's edge cases and the training step, on TopologyTestDriver with a real Apicurio registry. */
@ExtendWith(RegistryExtension.class)
class LearningTopologyTest {
    private static final Instant START = TopologyFixture.START;
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;
    private TopologyFixture fixture;
    private ServiceConfig config;
    private Topics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, DecisionVotes> votes;
    private TestInputTopic<String, TradeClosed> closes;
    private TestInputTopic<byte[], byte[]> rawVotes;
    private TestInputTopic<byte[], byte[]> rawCloses;
    /** Joined pairs, and the votes copied there to be scored. */
    private TestOutputTopic<String, SpecificRecord> training;
    private TestOutputTopic<String, WeightsUpdated> weights;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    @BeforeEach
    void startDriver() {
        fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir));
        config = fixture.config();
        topics = fixture.topics();
        driver = fixture.driver();
        votes = fixture.input(topics.decisionVotes());
        closes = fixture.input(topics.tradeClosed());
        rawVotes = fixture.rawInput(topics.decisionVotes());
        rawCloses = fixture.rawInput(topics.tradeClosed());
        training = fixture.output(topics.trainingRecords());
        weights = fixture.output(topics.weightsUpdated());
        deadLetters = fixture.output(topics.deadLetter());
    }

    @AfterEach
    void closeDriver() {
        fixture.close();
    }

    private void publish(DecisionVotes v) {
        votes.pipeInput(v.getDecisionId(), v);
    }

    private void publish(TradeClosed t) {
        closes.pipeInput(t.getDecisionId(), t);
    }

    private void waitWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    /** The joined pairs on the training topic so far, by model id. */
    private List<KeyValue<String, TrainingExample>> examples() {
        return training.readKeyValuesToList().stream().filter(kv -> kv.value instanceof TrainingExample)
                .map(kv -> KeyValue.pair(kv.key, (TrainingExample) kv.value)).toList();
    }

    private KeyValue<String, TrainingExample> nextExample() {
        return examples().get(0);
    }

    private CountSnapshot counts() {
        return fixture.counts();
    }

    private long entries(String store) {
        return fixture.entries(store);
    }

    private List<String> reasons() {
        return deadLetters.readValuesToList().stream().map(DeadLetter::getReason).toList();
    }

    @Test
    void votesThenCloseTrainOneStepOnTheDefaultModel() {
        // when
        publish(Trades.votes("d-1"));
        publish(Trades.close("d-1"));

        // then
        var example = nextExample();
        assertThat(example.key).isEqualTo("default");
        assertThat(example.value.getTrade().getDecisionId()).isEqualTo("d-1");
        assertThat(example.value.getSourceTopic()).isEqualTo(topics.tradeClosed().name());
        WeightsUpdated step = weights.readValue();
        assertThat(step.getTrainingStep()).isEqualTo(1);
        assertThat(step.getDecisionId()).isEqualTo("d-1");
        assertThat(step.getActualReturn()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(step.getSourceTopic()).isEqualTo(topics.training().name());
        assertThat(step.getSourceOffset()).isEqualTo(1); // offset 0: the votes, copied there to be scored
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counts().trained()).isEqualTo(1);
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void aModelIdOnTheVotesPicksTheModel() {
        // given
        DecisionVotes v = Trades.votes("d-1");
        v.setModelId("candidate");

        // when
        publish(v);
        publish(Trades.close("d-1"));

        // then
        assertThat(nextExample().key).isEqualTo("candidate");
        assertThat(weights.readValue().getModelId()).isEqualTo("candidate");
    }

    @Test
    void closeBeforeItsVotesWaitsForThemWithinTheGrace() {
        // given
        publish(Trades.close("d-1"));
        waitWallClock(Duration.ofMinutes(4));
        assertThat(weights.isEmpty()).isTrue();
        assertThat(counts().pendingTrades()).isEqualTo(1);

        // when
        publish(Trades.votes("d-1"));
        // the decision keeps its one index entry, due at the end of the grace, when it moves on
        assertThat(entries(LearningTopology.JOIN_DEADLINES_STORE)).isEqualTo(1);
        waitWallClock(Duration.ofMinutes(10));

        // then trained once; the end of the grace passed without a dead letter, the entry moved on to the TTL
        assertThat(weights.readValue().getTrainingStep()).isEqualTo(1);
        assertThat(weights.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counts().pendingTrades()).isZero();
        assertThat(counts().reconciles()).isTrue();
        assertThat(entries(LearningTopology.JOIN_DEADLINES_STORE)).isEqualTo(1);

        // and a duplicate close is still recognised after that deadline
        publish(Trades.close("d-1"));
        assertThat(reasons()).containsExactly("duplicate");
    }

    @Test
    void closeWhoseVotesMissTheGraceIsDeadLetteredVotesMissing() {
        // given
        publish(Trades.close("d-1"));

        // when
        waitWallClock(Duration.ofMinutes(5).plusSeconds(2));

        // then
        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getReason()).isEqualTo("votes-missing");
        assertThat(letter.getSourceTopic()).isEqualTo(topics.tradeClosed().name());
        assertThat(letter.getSourceOffset()).isEqualTo(0);
        TradeClosed original = topics.tradeClosed().valueSerde().deserializer()
                .deserialize(letter.getSourceTopic(), DeadLetters.bytes(letter.getValue()));
        assertThat(original).isEqualTo(Trades.close("d-1"));
        assertThat(counts().pendingTrades()).isZero();
        assertThat(counts().reconciles()).isTrue();

        // and votes arriving later wait for a close like any others
        publish(Trades.votes("d-1"));
        assertThat(weights.isEmpty()).isTrue();
        assertThat(counts().pendingVotes()).isEqualTo(1);
    }

    @Test
    void duplicateCloseIsDeadLetteredNotTrainedTwice() {
        // given
        publish(Trades.votes("d-1"));
        publish(Trades.close("d-1"));

        // when
        publish(Trades.close("d-1"));

        // then
        assertThat(weights.readValuesToList()).hasSize(1);
        assertThat(reasons()).containsExactly("duplicate");
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void secondCloseWhileTheFirstWaitsForVotesIsADuplicate() {
        // when
        publish(Trades.close("d-1"));
        publish(Trades.close("d-1"));
        publish(Trades.votes("d-1"));

        // then
        assertThat(weights.readValuesToList()).hasSize(1);
        assertThat(reasons()).containsExactly("duplicate");
    }

    @Test
    void trainedDecisionsAreForgottenAfterTheTtl() {
        // given
        publish(Trades.votes("d-1"));
        publish(Trades.close("d-1"));

        // when: the TTL passes, then the same close comes again
        waitWallClock(Duration.ofDays(30).plusSeconds(2));
        publish(Trades.close("d-1"));

        // then: no longer recognised as a duplicate, it waits for votes like any early close
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counts().pendingTrades()).isEqualTo(1);
        assertThat(entries(LearningTopology.JOIN_STATE_STORE)).isEqualTo(1);
    }

    @Test
    void aTrainedDecisionIsRememberedForTheTtlFromItsCloseNotFromItsVotes() {
        // given votes, and their close 10 days later
        publish(Trades.votes("d-1"));
        waitWallClock(Duration.ofDays(10));
        publish(Trades.close("d-1"));
        assertThat(weights.readValuesToList()).hasSize(1);

        // when the TTL from the votes has passed
        waitWallClock(Duration.ofDays(21));

        // then the decision is still remembered: a second close is a duplicate
        publish(Trades.close("d-1"));
        assertThat(reasons()).containsExactly("duplicate");
        assertThat(entries(LearningTopology.JOIN_STATE_STORE)).isEqualTo(1);
        assertThat(entries(LearningTopology.JOIN_DEADLINES_STORE)).isEqualTo(1);

        // and once the TTL from the close has passed, it is forgotten and its index entry gone
        waitWallClock(Duration.ofDays(9).plusSeconds(2));
        assertThat(entries(LearningTopology.JOIN_STATE_STORE)).isZero();
        assertThat(entries(LearningTopology.JOIN_DEADLINES_STORE)).isZero();
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void votesWithoutATradeExpireAfterTheTtlAndAreCounted() {
        // given
        publish(Trades.votes("d-1"));
        waitWallClock(Duration.ofDays(29));
        assertThat(counts().pendingVotes()).isEqualTo(1);

        // when
        waitWallClock(Duration.ofDays(1).plusSeconds(2));

        // then
        assertThat(counts().pendingVotes()).isZero();
        assertThat(counts().votesExpired()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(entries(LearningTopology.JOIN_STATE_STORE)).isZero();
        assertThat(entries(LearningTopology.JOIN_DEADLINES_STORE)).isZero();
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void closeForRejectedVotesIsDeadLetteredAtOnce() {
        // given
        DecisionVotes bad = Trades.votes("d-1");
        bad.getAgentVotes().get("TradingAgent").setConfidence(1.5);
        publish(bad);

        // when
        publish(Trades.close("d-1"));

        // then: no waiting for the grace
        assertThat(reasons()).containsExactly("confidence-out-of-range", "votes-rejected");
        assertThat(weights.isEmpty()).isTrue();
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void closeWaitingForVotesThatAreRejectedIsDeadLetteredWithThem() {
        // given
        publish(Trades.close("d-1"));
        DecisionVotes bad = Trades.votes("d-1");
        bad.getAgentVotes().get("TradingAgent").setDirection(Direction.UNKNOWN);

        // when
        publish(bad);

        // then
        assertThat(reasons()).containsExactly("unknown-direction", "votes-rejected");
        assertThat(counts().pendingTrades()).isZero();
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void votesOfAnAgentOutsideTheRosterAreIgnoredAndCounted() {
        // given
        DecisionVotes v = Trades.votes("d-1");
        v.getAgentVotes().put("StrangerAgent", Trades.vote(Direction.LONG, 0.9, 1.0));

        // when
        publish(v);
        publish(Trades.close("d-1"));

        // then: trained as if the stranger had not voted
        WeightsUpdated step = weights.readValue();
        assertThat(step.getAgentWeights()).doesNotContainKey("StrangerAgent");
        assertThat(counts().unknownAgentVotes()).isEqualTo(1);
        Learner offline = Learner.create(config.learner());
        offline.train(AvroTrades.trade(Trades.votes("d-1"), Trades.close("d-1")));
        assertThat(step.getFingerprint()).isEqualTo(offline.fingerprint());
    }

    @Test
    void badPricesAreDeadLetteredAndTheVotesKeepWaitingForACorrectedClose() {
        // given
        publish(Trades.votes("d-1"));

        // when
        publish(Trades.close("d-1", 150.0, Double.NaN));
        publish(Trades.close("d-1", 0.0, 157.5));
        publish(Trades.close("d-1", 150.0, Double.POSITIVE_INFINITY));
        publish(Trades.close("d-1", -1.0, 157.5));
        publish(Trades.close("d-1"));

        // then
        assertThat(reasons()).containsExactly("non-finite-price", "non-positive-price", "non-finite-price",
                "non-positive-price");
        assertThat(weights.readValuesToList()).hasSize(1);
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void badVoteValuesAreDeadLetteredWithTheirReason() {
        // given
        DecisionVotes negative = Trades.votes("d-1");
        negative.getAgentVotes().get("TradingAgent").setConfidence(-0.1);
        DecisionVotes notANumber = Trades.votes("d-2");
        notANumber.getAgentVotes().get("TradingAgent").setConfidence(Double.NaN);
        DecisionVotes infiniteSize = Trades.votes("d-3");
        infiniteSize.getAgentVotes().get("RiskAgent").setPositionSize(Double.NEGATIVE_INFINITY);
        DecisionVotes blankAction = Trades.votes("d-4");
        blankAction.setAction(" ");
        DecisionVotes negativeSize = Trades.votes("d-5");
        negativeSize.getAgentVotes().get("RiskAgent").setPositionSize(-0.5);
        DecisionVotes zeroSize = Trades.votes("d-6");
        zeroSize.getAgentVotes().get("RiskAgent").setPositionSize(0.0);

        // when
        List.of(negative, notANumber, infiniteSize, blankAction, negativeSize, zeroSize).forEach(this::publish);

        // then: a size of zero is a vote that takes no position, and waits for its close
        assertThat(reasons()).containsExactly("confidence-out-of-range", "non-finite-value", "non-finite-value",
                "missing-field", "negative-position-size");
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void votesWithAnUnknownActionAreDeadLetteredAndTheirCloseWithThem() {
        // given
        DecisionVotes typo = Trades.votes("d-1");
        typo.setAction("SEL");
        DecisionVotes lowercase = Trades.votes("d-2");
        lowercase.setAction(" sell ");

        // when
        publish(typo);
        publish(Trades.close("d-1"));
        publish(lowercase);
        publish(Trades.close("d-2"));

        // then the typo is not trained as a long; a known action in another case is trained
        assertThat(reasons()).containsExactly("unknown-action", "votes-rejected");
        WeightsUpdated step = weights.readValue();
        assertThat(step.getDecisionId()).isEqualTo("d-2");
        assertThat(step.getActualReturn()).isCloseTo(-0.05, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(weights.isEmpty()).isTrue();
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void aTrainingRecordWithAnUnknownActionIsDeadLetteredNotTrained() {
        // given a training-topic record written before actions were checked at the join
        TestInputTopic<String, TrainingExample> trainingIn = fixture.input(topics.training());
        DecisionVotes typo = Trades.votes("d-1");
        typo.setAction("SEL");
        TrainingExample example = TrainingExample.newBuilder().setModelId("default").setVotes(typo)
                .setTrade(Trades.close("d-1")).build();

        // when
        trainingIn.pipeInput("default", example);

        // then
        assertThat(reasons()).containsExactly("unknown-action");
        assertThat(weights.isEmpty()).isTrue();
    }

    @Test
    void aStepTheModelRefusesIsDeadLetteredAndTheModelIsUnchanged() {
        // given a close whose return, 1e20, is a finite float but whose squared error is not
        publish(Trades.votes("d-1"));
        publish(Trades.close("d-1", 1e-20, 1.0));

        // when the next trade comes
        publish(Trades.votes("d-2"));
        publish(Trades.close("d-2"));

        // then the first is a dead letter of the training topic, and the model trained as if it never came
        DeadLetter refused = deadLetters.readValue();
        assertThat(refused.getReason()).isEqualTo("non-finite-value");
        assertThat(refused.getSourceTopic()).isEqualTo(topics.training().name());
        WeightsUpdated step = weights.readValue();
        assertThat(step.getDecisionId()).isEqualTo("d-2");
        assertThat(step.getTrainingStep()).isEqualTo(1);
        Learner offline = Learner.create(config.learner());
        offline.train(AvroTrades.trade(Trades.votes("d-2"), Trades.close("d-2")));
        assertThat(step.getFingerprint()).isEqualTo(offline.fingerprint());
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void aDirectionThisVersionDoesNotKnowIsDeadLetteredUnknownDirection() {
        // given: a newer producer's schema with one more direction
        Schema newer = new Schema.Parser().parse(DecisionVotes.getClassSchema().toString()
                .replace("\"UNKNOWN\"]", "\"UNKNOWN\",\"SIDEWAYS\"]"));
        GenericRecord v = genericVotes(newer, "d-1", "SIDEWAYS");

        // when
        rawVotes.pipeInput(bytes("d-1"), serializeGeneric(topics.decisionVotes().name(), v));

        // then
        assertThat(reasons()).containsExactly("unknown-direction");
    }

    @Test
    void recordsOfAForeignSchemaAreDeadLetteredMissingFieldOrWrongType() {
        // given: writers whose schemas lack entry_price, or carry it as a string
        Schema noPrice = Schema.createRecord("TradeClosed", null, "io.pim.metalearner.avro", false, List.of(
                new Schema.Field("decision_id", Schema.create(Schema.Type.STRING)),
                new Schema.Field("symbol", Schema.create(Schema.Type.STRING)),
                new Schema.Field("exit_price", Schema.create(Schema.Type.DOUBLE))));
        GenericRecord a = new GenericData.Record(noPrice);
        a.put("decision_id", "d-1");
        a.put("symbol", "AAPL");
        a.put("exit_price", 157.5);
        Schema stringPrice = Schema.createRecord("TradeClosed", null, "io.pim.metalearner.avro", false, List.of(
                new Schema.Field("decision_id", Schema.create(Schema.Type.STRING)),
                new Schema.Field("symbol", Schema.create(Schema.Type.STRING)),
                new Schema.Field("entry_price", Schema.create(Schema.Type.STRING)),
                new Schema.Field("exit_price", Schema.create(Schema.Type.DOUBLE))));
        GenericRecord b = new GenericData.Record(stringPrice);
        b.put("decision_id", "d-2");
        b.put("symbol", "AAPL");
        b.put("entry_price", "150");
        b.put("exit_price", 157.5);

        // when
        rawCloses.pipeInput(bytes("d-1"), serializeGeneric(topics.tradeClosed().name(), a));
        rawCloses.pipeInput(bytes("d-2"), serializeGeneric(topics.tradeClosed().name(), b));

        // then
        assertThat(reasons()).containsExactly("missing-field", "wrong-type");
        assertThat(counts().reconciles()).isTrue();
    }

    @Test
    void undecodableBytesAreDeadLetteredWithTheirOriginalBytes() {
        // given
        byte[] garbage = "{\"decision_id\": \"d-1\"}".getBytes(StandardCharsets.UTF_8);
        byte[] framedGarbage = {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3};

        // when
        rawCloses.pipeInput(bytes("d-1"), garbage);
        rawVotes.pipeInput(bytes("d-2"), framedGarbage);
        rawVotes.pipeInput(bytes("d-3"), (byte[]) null);

        // then
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getReason).containsExactly("unreadable", "unreadable", "unreadable");
        DeadLetter first = letters.get(0);
        assertThat(first.getSourceTopic()).isEqualTo(topics.tradeClosed().name());
        assertThat(first.getSourcePartition()).isEqualTo(0);
        assertThat(first.getSourceOffset()).isEqualTo(0);
        assertThat(DeadLetters.bytes(first.getKey())).isEqualTo(bytes("d-1"));
        assertThat(DeadLetters.bytes(first.getValue())).isEqualTo(garbage);
        assertThat(DeadLetters.bytes(letters.get(1).getValue())).isEqualTo(framedGarbage);
        assertThat(counts().deadLettered()).containsEntry("unreadable", 3L);
        assertThat(counts().reconciles()).isTrue();

        // and the stream goes on
        publish(Trades.votes("d-9"));
        publish(Trades.close("d-9"));
        assertThat(weights.readValue().getTrainingStep()).isEqualTo(1);
    }

    @Test
    void aRecordNotKeyedByItsDecisionIdIsDeadLettered() {
        // when
        votes.pipeInput("something-else", Trades.votes("d-1"));

        // then
        assertThat(reasons()).containsExactly("key-mismatch");
    }

    @Test
    void eachStepEmitsTheFlatRecordsAndASnapshotEveryTenSteps() {
        // given
        TestOutputTopic<String, TrainingLog> log = fixture.output(topics.trainingLog());
        TestOutputTopic<String, WeightSnapshot> snapshots = fixture.output(topics.weightSnapshots());

        // when
        for (int i = 1; i <= 20; i++) {
            publish(Trades.votes("d-" + i));
            publish(Trades.close("d-" + i, 100, 100 + i % 7 - 3));
        }

        // then
        List<WeightsUpdated> updates = weights.readValuesToList();
        assertThat(updates).extracting(WeightsUpdated::getTrainingStep)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
        List<TrainingLog> rows = log.readValuesToList();
        assertThat(rows).hasSize(20);
        assertThat(rows.get(0).getAgentVotes()).contains("\"TradingAgent\":{\"direction\":\"LONG\",\"confidence\":0.85");
        List<WeightSnapshot> snapshotRows = snapshots.readValuesToList();
        assertThat(snapshotRows).extracting(WeightSnapshot::getTrainingStep).containsExactly(10L, 20L);
        // then: each flat row names the training-topic record it came from (writers order rows by it)
        List<Long> sourceOffsets = updates.stream().map(WeightsUpdated::getSourceOffset).toList();
        assertThat(sourceOffsets).isSorted().doesNotHaveDuplicates().allMatch(offset -> offset >= 0);
        assertThat(rows).extracting(TrainingLog::getSourceOffset).containsExactlyElementsOf(sourceOffsets);
        assertThat(snapshotRows).extracting(WeightSnapshot::getSourceOffset)
                .containsExactly(sourceOffsets.get(9), sourceOffsets.get(19));
    }

    @Test
    void agentPerformanceIsPublishedPerIntervalAsTheModelStandsThen() {
        // given: 20 steps within one agent-performance interval
        TestOutputTopic<String, AgentPerformance> performance = fixture.output(topics.agentPerformance());
        for (int i = 1; i <= 20; i++) {
            publish(Trades.votes("d-" + i));
            publish(Trades.close("d-" + i, 100, 100 + i % 7 - 3));
        }
        List<WeightsUpdated> updates = weights.readValuesToList();
        assertThat(performance.isEmpty()).as("nothing before the interval has passed").isTrue();

        // when
        waitWallClock(config.agentPerformanceInterval());

        // then: one record per roster agent, with the figures and the offset of the last step
        var rows = performance.readKeyValuesToList();
        List<String> roster = config.learner().roster();
        assertThat(rows).extracting(kv -> kv.key).containsExactlyElementsOf(roster.stream().map(a -> "default:" + a).toList());
        assertThat(rows).extracting(kv -> kv.value.getTrainingStep()).containsOnly(20L);
        assertThat(rows).extracting(kv -> kv.value.getSourceOffset()).containsOnly(updates.get(19).getSourceOffset());
        assertThat(rows).extracting(kv -> kv.value.getCurrentWeight())
                .containsExactlyElementsOf(roster.stream().map(a -> updates.get(19).getAgentWeights().get(a)).toList());
        // and: a model that did not train since is not published again
        waitWallClock(config.agentPerformanceInterval().multipliedBy(3));
        assertThat(performance.isEmpty()).isTrue();
    }

    @Test
    void theLiveFingerprintEqualsAnOfflineReplayOfTheTrainingTopic() {
        // given
        for (int i = 1; i <= 30; i++) {
            publish(Trades.votes("d-" + i));
            publish(Trades.close("d-" + i, 100, 100 + (i * 37 % 11) - 5));
        }
        List<TrainingExample> examples = examples().stream().map(kv -> kv.value).toList();
        List<WeightsUpdated> steps = weights.readValuesToList();

        // when
        Learner replay = Learner.create(config.learner());
        for (TrainingExample e : examples) replay.train(AvroTrades.trade(e.getVotes(), e.getTrade()));

        // then
        assertThat(steps).hasSize(30);
        assertThat(steps.get(29).getFingerprint()).isEqualTo(replay.fingerprint());
        byte[] stored = driver.<String, byte[]>getKeyValueStore(LearningTopology.LEARNER_STORE).get("default");
        assertThat(LearnerCodec.decode(stored).fingerprint()).isEqualTo(replay.fingerprint());
    }

    private static GenericRecord genericVotes(Schema schema, String decisionId, String direction) {
        Schema voteSchema = schema.getField("agent_votes").schema().getValueType();
        GenericRecord vote = new GenericData.Record(voteSchema);
        vote.put("direction", new GenericData.EnumSymbol(voteSchema.getField("direction").schema(), direction));
        vote.put("confidence", 0.5);
        vote.put("position_size", 1.0);
        GenericRecord v = new GenericData.Record(schema);
        v.put("decision_id", decisionId);
        v.put("workflow_id", "wf");
        v.put("symbol", "AAPL");
        v.put("action", "BUY");
        v.put("decided_at", 0L);
        v.put("model_id", null);
        v.put("agent_votes", Map.of("TradingAgent", vote));
        return v;
    }

    private static byte[] serializeGeneric(String topic, GenericRecord record) {
        try (AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>()) {
            serializer.configure(AvroSerdes.config(RegistryClientConfig.anonymous(registry.apiUrl())), false);
            return serializer.serialize(topic, record);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
