package io.pim.metalearner.stream;

import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A training step's log lines name its model and task (the MDC, which the JSON log format carries). */
@ExtendWith(RegistryExtension.class)
class TrainingLogContextTest {
    @TempDir
    Path stateDir;

    @Test
    void whileAModelTrainsTheLogContextNamesItAndItsTaskAndIsClearedAfter(EmbeddedRegistry registry) {
        // given a listener that runs inside the step, as a log line of the step would
        List<String> heard = new ArrayList<>();
        StepListener listener = (modelId, step, nanos, latency, alerts) ->
                heard.add(modelId + " " + MDC.get(TrainingProcessor.MDC_MODEL_ID) + " " + MDC.get(TrainingProcessor.MDC_TASK_ID));
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir), listener)) {
            var training = fixture.input(fixture.topics().training());

            // when two models train
            for (String model : List.of("desk-a", "desk-b")) {
                training.pipeInput(model, TrainingExample.newBuilder().setModelId(model)
                        .setVotes(Trades.votes(model + "-1")).setTrade(Trades.close(model + "-1", 150.0, 153.0)).build());
            }

            // then each step ran with its own model id and the training task in the context...
            assertThat(heard).hasSize(2);
            assertThat(heard.get(0)).matches("desk-a desk-a \\d+_\\d+");
            assertThat(heard.get(1)).matches("desk-b desk-b \\d+_\\d+");
            // ...and nothing of it stays on the thread afterwards
            assertThat(MDC.get(TrainingProcessor.MDC_MODEL_ID)).isNull();
            assertThat(MDC.get(TrainingProcessor.MDC_TASK_ID)).isNull();
        }
    }
}
