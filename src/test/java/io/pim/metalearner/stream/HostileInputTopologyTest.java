package io.pim.metalearner.stream;

import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records the fuzzer ({@code bin/metalearner fuzz}) found to hurt the stream, each now
 * dead-lettered with a reason while the stream goes on: valid Avro of the other input's schema
 * (it failed the join task on every retry) and a length prefix of a gigabyte (it made Avro
 * allocate it).
 */
@ExtendWith(RegistryExtension.class)
class HostileInputTopologyTest {
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;
    private TopologyFixture fixture;
    private Topics topics;
    private TestInputTopic<byte[], byte[]> rawVotes;
    private TestInputTopic<byte[], byte[]> rawCloses;
    private TestOutputTopic<String, WeightsUpdated> weights;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    @BeforeEach
    void startDriver() {
        fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir));
        topics = fixture.topics();
        rawVotes = fixture.rawInput(topics.decisionVotes());
        rawCloses = fixture.rawInput(topics.tradeClosed());
        weights = fixture.output(topics.weightsUpdated());
        deadLetters = fixture.output(topics.deadLetter());
    }

    @AfterEach
    void closeDriver() {
        fixture.close();
    }

    @Test
    void aCloseOnTheVotesTopicAndVotesOnTheClosesTopicAreDeadLetteredWrongType() {
        // given: valid Avro, framed with the registry's ids, each on the other input topic
        byte[] close = topics.tradeClosed().valueSerde().serializer().serialize(topics.tradeClosed().name(), Trades.close("d-1"));
        byte[] votes = topics.decisionVotes().valueSerde().serializer().serialize(topics.decisionVotes().name(), Trades.votes("d-2"));

        // when
        rawVotes.pipeInput(bytes("d-1"), close);
        rawCloses.pipeInput(bytes("d-2"), votes);

        // then
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getReason).containsExactly("wrong-type", "wrong-type");
        assertThat(letters.get(0).getDetail()).isEqualTo("a TradeClosed where a DecisionVotes belongs");
        assertThat(fixture.counts().reconciles()).isTrue();
        assertStreamGoesOn();
    }

    @Test
    void aGigabyteLengthPrefixIsDeadLetteredUnreadableNotAllocated() throws IOException {
        // given: the frame of a real DecisionVotes, then a decision_id whose length says 1 GB
        byte[] valid = topics.decisionVotes().valueSerde().serializer().serialize(topics.decisionVotes().name(), Trades.votes("d-1"));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(valid, 0, 5);
        BinaryEncoder avro = EncoderFactory.get().binaryEncoder(body, null);
        avro.writeLong(1L << 30);
        avro.writeFixed("d-1".getBytes(StandardCharsets.UTF_8));
        avro.flush();

        // when
        rawVotes.pipeInput(bytes("d-1"), body.toByteArray());

        // then: refused by its length before anything is allocated
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getReason).containsExactly("unreadable");
        assertThat(letters.get(0).getDetail()).contains("String length 1073741824 exceeds maximum allowed");
        assertThat(Arrays.equals(DeadLetters.bytes(letters.get(0).getValue()), body.toByteArray())).isTrue();
        assertStreamGoesOn();
    }

    private void assertStreamGoesOn() {
        TestInputTopic<String, io.pim.metalearner.avro.DecisionVotes> votes = fixture.input(topics.decisionVotes());
        TestInputTopic<String, io.pim.metalearner.avro.TradeClosed> closes = fixture.input(topics.tradeClosed());
        votes.pipeInput("d-9", Trades.votes("d-9"));
        closes.pipeInput("d-9", Trades.close("d-9"));
        assertThat(weights.readValue().getTrainingStep()).isEqualTo(1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
