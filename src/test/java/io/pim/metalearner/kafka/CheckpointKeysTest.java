package io.pim.metalearner.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer parses a tombstone's key back into its model and step (it has no value to read them from). */
class CheckpointKeysTest {

    @Test
    void aKeyParsesBackToItsModelAndStepEvenWhenTheModelIdHoldsAnAt() {
        assertThat(CheckpointKeys.parse(CheckpointKeys.key("default", 1500)))
                .contains(new CheckpointKeys.Parsed("default", 1500));
        assertThat(CheckpointKeys.parse(CheckpointKeys.key("desk@eu", 0))).contains(new CheckpointKeys.Parsed("desk@eu", 0));
    }

    @Test
    void whatIsNotACheckpointKeyIsNone() {
        assertThat(CheckpointKeys.parse("default")).isEmpty();
        assertThat(CheckpointKeys.parse("@" + "0".repeat(20))).isEmpty(); // no model id
        assertThat(CheckpointKeys.parse("m@" + "0".repeat(19) + "x")).isEmpty();
        assertThat(CheckpointKeys.parse("m@" + "1".repeat(19))).isEmpty(); // 19 digits
    }
}
