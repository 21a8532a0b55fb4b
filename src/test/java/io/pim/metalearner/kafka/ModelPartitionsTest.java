package io.pim.metalearner.kafka;

import io.pim.metalearner.stream.CommandClient;
import io.pim.metalearner.avro.CommandType;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ModelPartitionsTest {

    @Test
    void aModelsPartitionIsTheOneKafkasDefaultPartitionerPicksForItsId() {
        for (int partitions : new int[]{1, 2, 3, 6, 7, 64}) {
            for (int i = 0; i < 200; i++) {
                String model = "model-" + i;
                assertThat(ModelPartitions.of(model, partitions)).as(model + " of " + partitions).isEqualTo(
                        BuiltInPartitioner.partitionForKey(model.getBytes(StandardCharsets.UTF_8), partitions));
            }
        }
    }

    @Test
    void aCandidateIsInstalledThroughItsLiveModelsPartitionEveryOtherCommandThroughItsOwn() {
        assertThat(ModelPartitions.commandKey(CommandClient.installCandidate("cand", "live", new byte[0], 0))).isEqualTo("live");
        assertThat(ModelPartitions.commandKey(CommandClient.promote("cand", "live"))).isEqualTo("live");
        assertThat(ModelPartitions.commandKey(CommandClient.reset("m"))).isEqualTo("m");
        assertThat(ModelPartitions.commandKey(CommandClient.command(CommandType.ROLLBACK, "r").setToStep(1L).build()))
                .isEqualTo("r");
    }
}
