package io.pim.metalearner.cli;

import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.stream.CommandClient;
import io.pim.metalearner.config.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Pre-training: candidate C learns offline from a file of past trades (the {@code learn} loop,
 * the service's learner config changed by the variant flags), then is installed beside live model
 * M with {@code INSTALL_CANDIDATE}, as {@code replay --as} installs one. C has learned none of M's
 * trades, so it is installed as caught up to the end of M's training partition when the command is
 * sent: it misses none of M's trades after the install and learns each of them live, from the next
 * one on. If M trained on a record at or past that end before the install applied, the service
 * refuses it as stale and the command is sent again with the new end (C needs no catch-up: it
 * follows M only from its install). The service checkpoints C on install.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Train candidate C offline on a file of past trades (one feedback JSON body per line), then install "
                + "it beside live model M: from its next trade on, the service trains C on each of M's trades.",
                "Bad lines are reported (line number and reason) and skipped; prints one JSON line: the install's result "
                        + "and what the file gave."},
        exitCodeListHeading = Main.EXIT_CODES_HEADING, exitCodeList = {"0:installed",
                "1:nothing could be trained, the live model does not exist, the service refused the install, or a failure",
                Main.EXIT_USAGE, Main.EXIT_NO_ANSWER_TEXT})
final class PretrainCommand implements Callable<Integer> {
    /** Installs refused as stale before giving up (M trained between reading its end and applying the install). */
    private static final int INSTALL_ATTEMPTS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    SharedOptions.TradesInput input;

    @Option(names = "--as", required = true, paramLabel = "C", description = "The candidate's model id.")
    String candidate;

    @Mixin
    SharedOptions.ModelOption model;

    /** The variant: the service's learner config (its roster) changed by --spec, --rule, --hedge-rate, --seed, --engine. */
    @Mixin
    SharedOptions.LearnerChoice choice;

    @Mixin
    SharedOptions.TimeoutOption wait;

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = ModelCommands.config(spec, cluster);
        String live = model.resolve(config);
        if (candidate.equals(live)) {
            throw new ParameterException(spec.commandLine(), "--as " + candidate + " is the live model: a candidate needs an id of its own");
        }
        LearnerConfig learnerConfig = choice.applyTo(config.learner(), spec.commandLine());
        PrintWriter err = spec.commandLine().getErr();
        Utf8Lines in = input.openOrSay("pretrain", err);
        if (in == null) return 1;
        Learner learner = Learner.create(learnerConfig);
        TrainingRun.Outcome run;
        try (in) {
            run = TrainingRun.run("pretrain", learner, in, err, (trade, step, figures) -> { });
        }
        ObjectNode rejected = (ObjectNode) run.summary().get("rejected");
        if (run.trained() == 0) {
            err.printf(Locale.ROOT, "pretrain: none of the %d trades in %s could be trained (rejected: %s); nothing installed%n",
                    run.trades(), input.input, rejected);
            err.flush();
            return 1;
        }
        err.printf(Locale.ROOT, "pretrain: candidate '%s' learned %d of %d trades (rejected: %s): step %d, fingerprint %s; "
                + "installing beside '%s'%n", candidate, run.trained(), run.trades(), rejected, learner.step(), learner.fingerprint(), live);
        err.flush();
        byte[] state = LearnerCodec.encode(learner);
        try (CommandClient ops = new CommandClient(config, "cli")) {
            if (ops.currentState(live).isEmpty()) {
                err.println("pretrain: unknown model '" + live + "': it has no state in the service (it has never trained); "
                        + "a candidate learns beside a live model, so install it after the model's first trade");
                err.flush();
                return 1;
            }
            for (int attempt = 1; attempt <= INSTALL_ATTEMPTS; attempt++) {
                CommandResult result = ops.send(CommandClient.installCandidate(candidate, live, state, ops.trainingEnd(live)),
                        wait.timeout);
                if (result.getApplied() || !"stale-candidate".equals(result.getReason())) {
                    ObjectNode line = ModelCommands.resultLine(result);
                    ObjectNode file = line.putObject("input");
                    file.put("trades", run.trades());
                    file.put("trained", run.trained());
                    file.set("rejected", rejected);
                    ModelCommands.println(spec, line);
                    return result.getApplied() ? 0 : 1;
                }
            }
        } // a TimeoutException (no answer in time) reaches Main's handler: exit 3
        err.println("pretrain: model '" + live + "' kept learning faster than the install round trip; try again");
        return 1;
    }
}
