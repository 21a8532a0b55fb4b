package io.pim.metalearner.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressBarTest {

    @Test
    void withoutATerminalProgressIsPlainLinesNotARedrawnBar() {
        // given
        StringWriter err = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(err), "replay m -> c", false);

        // when: many positions in quick succession, then the end
        for (long p = 0; p < 5_000; p++) bar.at(p, 10_000);
        bar.at(10_000, 10_000);
        bar.endLine();

        // then: the first position and the last, each a line of its own
        assertThat(err.toString()).doesNotContain("\r").isEqualTo(String.format("replay m -> c: 0 / 10,000%nreplay m -> c: 10,000 / 10,000%n"));
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndItsLineEndedAtTheEnd() {
        // given
        StringWriter err = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(err), "replay m -> c", true);

        // when
        bar.at(0, 4);
        bar.at(4, 4);
        bar.endLine();

        // then
        assertThat(err.toString()).startsWith("\rreplay m -> c [").contains("] 4 / 4").endsWith(System.lineSeparator())
                .doesNotContain("\n\r");
    }
}
