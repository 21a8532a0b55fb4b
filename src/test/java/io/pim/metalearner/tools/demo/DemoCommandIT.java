package io.pim.metalearner.tools.demo;

import io.pim.metalearner.tools.ToolsMain;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.learn.LearnerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandIT {

    @Test
    void demoTrainsTheGoodTradesDeadLettersTheBadOnesAndMatchesItsReplay(@TempDir Path dir) throws Exception {
        // given 50 simulated trades with four bad lines among them
        List<String> lines = new ArrayList<>();
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 7, TradeSimulator.Scenario.SKILLS, 50);
        while (simulator.hasNext()) lines.add(simulator.next());
        lines.add(10, "this is not json");
        lines.add(20, """
                {"decision_id":"bad-price","symbol":"X","action":"BUY","entry_price":-5.0,"exit_price":1.0,\
                "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.5,"position_size":1.0}}}""");
        lines.add(30, """
                {"decision_id":"bad-direction","symbol":"X","action":"BUY","entry_price":5.0,"exit_price":6.0,\
                "agent_votes":{"TradingAgent":{"direction":"SIDEWAYS","confidence":0.5,"position_size":1.0}}}""");
        lines.add(lines.get(40)); // the same trade sent twice: votes and close again
        Path input = dir.resolve("trades.jsonl");
        Files.write(input, lines);

        // when the demo runs on them, with whatever reaches this JVM's own console caught
        StringWriter out = new StringWriter(), err = new StringWriter();
        Path logFile = dir.resolve("logs").resolve("demo.log");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream systemOut = System.out, systemErr = System.err;
        int exit;
        try (PrintStream caught = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            System.setOut(caught);
            System.setErr(caught);
            // the command line after the swap: picocli's execution strategy remembers System.out/err
            // at construction and would otherwise put them back in place of the writers set here
            var cli = ToolsMain.commandLine();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            exit = cli.execute("demo", "--input", input.toString(), "--log-file", logFile.toString());
        } finally {
            System.setOut(systemOut);
            System.setErr(systemErr);
        }

        // then every line is accounted for, and the live learner equals the replay of its training topic
        assertThat(exit).as(err.toString()).isZero();
        String[] stdout = out.toString().strip().split("\n");
        JsonNode summary = JsonMapper.builder().build().readTree(stdout[stdout.length - 1]);
        assertThat(summary.get("published").asLong()).isEqualTo(54);
        assertThat(summary.get("unreadable").asLong()).isEqualTo(1);
        assertThat(summary.get("trained").asLong()).isEqualTo(50);
        assertThat(summary.get("training_step").asLong()).isEqualTo(50);
        JsonNode dead = summary.get("dead_lettered");
        assertThat(dead.get("unreadable").asLong()).isEqualTo(1);
        assertThat(dead.get("non-positive-price").asLong()).isEqualTo(1);
        assertThat(dead.get("unknown-direction").asLong()).isEqualTo(1); // the votes
        assertThat(dead.get("votes-rejected").asLong()).isEqualTo(1);    // and then their close
        assertThat(dead.get("duplicate").asLong()).isEqualTo(2);         // its second votes and second close
        assertThat(summary.get("fingerprint").asText()).hasSize(64)
                .isEqualTo(summary.get("replay_fingerprint").asText());
        assertThat(summary.get("agent_weights").size()).isEqualTo(LearnerConfig.DEFAULT_ROSTER.size());

        // and the history landed in PostgreSQL, with the seed's queries printed above the summary
        JsonNode postgres = summary.get("postgres");
        assertThat(postgres.get("metalearner_training_log").asLong()).isEqualTo(50);
        assertThat(postgres.get("agent_performance").asLong()).isEqualTo(LearnerConfig.DEFAULT_ROSTER.size());
        assertThat(postgres.get("metalearner_weights").asLong()).isEqualTo(5); // one snapshot per 10 steps
        assertThat(out.toString()).contains("-- latest weights", "step 50 at", "-- agent rankings",
                "-- recent training steps");

        // and the console told the demo's story, in its own words only, naming the log file first
        List<String> progress = err.toString().lines().toList();
        assertThat(progress.get(0)).isEqualTo("demo: logs in " + logFile.toAbsolutePath());
        assertThat(progress).allSatisfy(line -> assertThat(line).startsWith("demo: "));
        assertThat(err.toString()).contains("broker up at", "registry up at", "PostgreSQL up at",
                "learning service running", "starting the JDBI writer", "publishing 54 trades",
                "published 54 trades (1 unreadable); waiting for training",
                "100% of the trades trained or dead-lettered", "replaying the training topic",
                "waiting for the JDBI writer to land everything in PostgreSQL");
        assertThat(console.toString(StandardCharsets.UTF_8)).as("logged to the console")
                .doesNotContain("INFO", "WARN", "initdb", "Topologies", "apicurio");

        // and the libraries' logs are in the file it named: PostgreSQL's initdb, the registry's own
        // output, the topology, Kafka's warnings
        String logs = Files.readString(logFile);
        assertThat(logs).contains("i.z.t.d.p.embedded.EmbeddedPostgres", "initdb", "apicurio-registry",
                "Topologies:", "o.a.k.");
    }

    @Test
    void demoOverSeveralDesksReportsEachModelsStepsAndLiveAndReplayFingerprints(@TempDir Path dir) throws Exception {
        // when the demo spreads 60 simulated trades over 3 models
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cli = ToolsMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("demo", "--trades", "60", "--models", "3", "--seed", "9",
                "--log-file", dir.resolve("demo.log").toString());

        // then each model trained its 20 and equals its replay, and the summary says so per model
        assertThat(exit).as(err.toString()).isZero();
        String[] stdout = out.toString().strip().split("\n");
        JsonNode summary = JsonMapper.builder().build().readTree(stdout[stdout.length - 1]);
        assertThat(summary.get("trained").asLong()).isEqualTo(60);
        JsonNode models = summary.get("models");
        assertThat(models.size()).isEqualTo(3);
        for (String model : List.of("model-1", "model-2", "model-3")) {
            assertThat(models.at("/" + model + "/training_step").asLong()).as(model).isEqualTo(20);
            assertThat(models.at("/" + model + "/fingerprint").asText()).as(model).hasSize(64)
                    .isEqualTo(models.at("/" + model + "/replay_fingerprint").asText());
        }
        assertThat(summary.get("postgres").get("metalearner_training_log").asLong()).isEqualTo(60);
    }

    @Test
    void demoWithAShadowCandidateCountsEachTradeOnceAndReportsTheRace(@TempDir Path dir) throws Exception {
        // when the demo's service gives the model a ridge shadow candidate
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cli = ToolsMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("demo", "--trades", "40", "--seed", "5", "--set", "candidates=ridge",
                "--set", "race.window=30", "--set", "promotion.min-trades=20", "--log-file", dir.resolve("demo.log").toString());

        // then the trades are counted once (not once more for the candidate), the live model equals its replay,
        // and the summary has the race of the last 30 trades
        assertThat(exit).as(err.toString()).isZero();
        String[] stdout = out.toString().strip().split("\n");
        JsonNode summary = JsonMapper.builder().build().readTree(stdout[stdout.length - 1]);
        assertThat(summary.get("trained").asLong()).isEqualTo(40);
        assertThat(summary.get("training_step").asLong()).isEqualTo(40);
        assertThat(summary.get("fingerprint").asText()).isEqualTo(summary.get("replay_fingerprint").asText());
        JsonNode race = summary.get("candidate_race");
        assertThat(race.get("window").asInt()).isEqualTo(30);
        assertThat(race.at("/live/trades").asInt()).isEqualTo(30);
        assertThat(race.at("/candidates/0/model_id").asText()).isEqualTo("default~ridge");
        assertThat(race.at("/candidates/0/trades").asInt()).isEqualTo(30);
        // the candidate's history lands beside the model's
        assertThat(summary.get("postgres").get("metalearner_training_log").asLong()).isEqualTo(80);
    }
}
