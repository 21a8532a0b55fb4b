package io.pim.metalearner.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.stream.CommandClient;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.stream.TrainingReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Two replays of a model's training topic:
 * <ul>
 * <li>without {@code --as}: every record (trades and commands) through the live rules, from the
 *     beginning; prints the fingerprint, equal to the live model's when nothing is lost or repeated;</li>
 * <li>with {@code --as C}: trains candidate C (optionally another variant, {@code --spec}, or rule or seed) on M's trades up
 *     to the topic's end, then installs it beside M: from then on the service trains C on each of
 *     M's new trades, so {@code compare M C} and {@code promote --from C --to M} work. {@code --engine}
 *     picks the engine of this catch-up only; live, C learns on the service's engine.
 *     If M learned more while C caught up, the install is refused as stale and C catches up again.
 *     A variant's state names its spec ({@code LearnerCodec} version 3), so the service continues it
 *     as the variant it is, whatever the service's own learner config.</li>
 * </ul>
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a model's training topic. Without --as: a fresh learner through every record (trades "
                + "and commands), printing one JSON line with its step count and fingerprint.",
                "With --as C: train candidate C on M's trades (progress on stderr), install it beside M and let it "
                        + "learn live from M's new trades."},
        exitCodeListHeading = Main.EXIT_CODES_HEADING, exitCodeList = {"0:replayed, or the candidate installed",
                "1:the service refused the install, or a failure", Main.EXIT_USAGE, Main.EXIT_NO_ANSWER_TEXT})
final class ReplayCommand implements Callable<Integer> {
    private static final JsonMapper MAPPER = new JsonMapper();
    /** Installs refused as stale before giving up: each retry only has the few records of one round trip to learn. */
    private static final int INSTALL_ATTEMPTS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--model-id", defaultValue = "default", paramLabel = "M", description = "Model to replay. Default ${DEFAULT-VALUE}.")
    String modelId;

    @Option(names = "--as", paramLabel = "C", description = "Train candidate C instead, and install it beside M.")
    String candidate;

    /** The candidate's learner. --engine picks the catch-up's engine only: once installed the candidate
     *  learns live on the service's engine (a learner state does not name its engine; both compute the same). */
    @Mixin
    SharedOptions.LearnerChoice choice;

    @Mixin
    SharedOptions.TimeoutOption wait;

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = ModelCommands.config(spec, cluster);
        if (candidate == null) return replay(config);
        LearnerConfig learnerConfig = choice.applyTo(config.learner(), spec.commandLine());
        return candidate(config, learnerConfig, wait.timeout);
    }

    private int replay(ServiceConfig config) {
        TrainingReplay.Result result = TrainingReplay.fromTopic(config, config.learner(), modelId);
        ObjectNode line = MAPPER.createObjectNode();
        line.put("model_id", modelId);
        line.put("records", result.records());
        line.put("skipped", result.skipped());
        line.put("training_step", result.learner().step());
        line.put("fingerprint", result.learner().fingerprint());
        ObjectNode weights = line.putObject("agent_weights");
        result.learner().weights().forEach(weights::put);
        ModelCommands.println(spec, line);
        return 0;
    }

    private int candidate(ServiceConfig config, LearnerConfig learnerConfig, Duration wait) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Learner learner = Learner.create(learnerConfig);
        long from = 0, records = 0;
        try (CommandClient ops = new CommandClient(config, "cli")) {
            for (int attempt = 1; attempt <= INSTALL_ATTEMPTS; attempt++) {
                TrainingReplay.Result round = TrainingReplay.candidate(config, learner, modelId, from, this::progress);
                records += round.records();
                if (bar != null) bar.endLine();
                err.printf(Locale.ROOT, "replay: candidate '%s' learned %,d trades of '%s' (training offsets below %,d); installing%n",
                        candidate, records, modelId, round.endOffset());
                err.flush();
                CommandResult result = ops.send(CommandClient.installCandidate(candidate, modelId,
                        LearnerCodec.encode(learner), round.caughtUp()), wait);
                if (result.getApplied() || !"stale-candidate".equals(result.getReason())) {
                    return ModelCommands.print(spec, result);
                }
                from = round.endOffset(); // M learned more meanwhile: learn that too, then try again
            }
        }
        err.println("replay: model '" + modelId + "' kept learning faster than the install round trip; try again");
        return 1;
    }

    private ProgressBar bar;

    /** Progress on stderr; stdout keeps the one JSON result line. */
    private void progress(long position, long end) {
        if (bar == null) {
            bar = new ProgressBar(spec.commandLine().getErr(), "replay " + modelId + " -> " + candidate, ProgressBar.onATerminal());
        }
        bar.at(position, end);
    }
}
