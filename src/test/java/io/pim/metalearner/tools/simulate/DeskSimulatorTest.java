package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.tools.ToolsMain;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.learn.LearnerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class DeskSimulatorTest {
    private static final JsonMapper JSON = new JsonMapper();
    private static final List<String> ROSTER = LearnerConfig.DEFAULT_ROSTER;

    @Test
    void oneModelIsTodaysStreamByteForByte() {
        // given
        TradeSimulator plain = new TradeSimulator(ROSTER, 42, TradeSimulator.Scenario.SWITCH, 300);
        DeskSimulator desks = new DeskSimulator(ROSTER, 42, TradeSimulator.Scenario.SWITCH, 300, 1);

        // when / then
        while (plain.hasNext()) assertThat(desks.next()).isEqualTo(plain.next());
        assertThat(desks.hasNext()).isFalse();
    }

    @Test
    void severalModelsTakeTheDecisionsRoundRobinEachWithItsOwnSkills() throws Exception {
        // given
        DeskSimulator desks = new DeskSimulator(ROSTER, 42, TradeSimulator.Scenario.SKILLS, 10, 3);

        // when
        List<JsonNode> trades = new ArrayList<>();
        while (desks.hasNext()) trades.add(JSON.readTree(desks.next()));

        // then: model-1, model-2, model-3, model-1, … with decision ids unique over the desks
        assertThat(trades).hasSize(10);
        for (int i = 0; i < trades.size(); i++) {
            assertThat(trades.get(i).get("model_id").asText()).isEqualTo("model-" + (i % 3 + 1));
        }
        Set<String> ids = new HashSet<>();
        trades.forEach(t -> ids.add(t.get("decision_id").asText()));
        assertThat(ids).hasSize(10);
        // and the desks' agents do not share one set of skills
        Set<List<Double>> skills = new HashSet<>();
        for (int k = 1; k <= 3; k++) {
            List<Double> s = new ArrayList<>();
            for (int i = 0; i < ROSTER.size(); i++) s.add(desks.model(k).skill(i, 0));
            skills.add(s);
        }
        assertThat(skills).hasSize(3);
    }

    @Test
    void simulateWithModelsOneWritesExactlyWhatItWroteWithoutTheOption() {
        // when
        String without = simulate("--trades", "40", "--seed", "5");
        String with = simulate("--trades", "40", "--seed", "5", "--models", "1");
        String three = simulate("--trades", "40", "--seed", "5", "--models", "3");

        // then
        assertThat(with).isEqualTo(without);
        assertThat(three.lines()).hasSize(40).allMatch(l -> l.contains("\"model_id\":\"model-"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--rate      | -5 | --rate: must be a number >= 0, was -5.0",
            "--linger-ms | -1 | --linger-ms: must be >= 0, was -1"})
    void simulatePublishingRefusesANegativeFlagBeforeItConnects(String flag, String value, String message) {
        // given
        StringWriter err = new StringWriter();
        var cli = ToolsMain.commandLine();
        cli.setErr(new PrintWriter(err));

        // when: no broker listens at the address; the flag is checked first
        int exit = cli.execute("simulate", "--trades", "10", flag, value,
                "--bootstrap-servers", "127.0.0.1:1", "--registry-url", "http://127.0.0.1:1/apis/registry/v3");

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains(message);
    }

    private static String simulate(String... args) {
        StringWriter out = new StringWriter();
        var cli = ToolsMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        List<String> all = new ArrayList<>(List.of("simulate"));
        all.addAll(List.of(args));
        assertThat(cli.execute(all.toArray(String[]::new))).isZero();
        return out.toString();
    }
}
