package io.pim.metalearner.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.stream.CommandClient;
import io.pim.metalearner.config.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The ops subcommands on a running service: each publishes one command on the commands topic,
 * waits for its result and prints it as one JSON line (exit 0 applied, 1 rejected, 3 no answer in
 * time: the command stays queued and applies when the service runs). {@code export} and
 * {@code compare} only read.
 */
final class ModelCommands {
    private static final JsonMapper MAPPER = new JsonMapper();

    private ModelCommands() {
    }

    /** Shared by the commands that send: cluster options, the wait, the printed result, the exit codes. */
    @Command(exitCodeListHeading = Main.EXIT_CODES_HEADING, exitCodeList = {"0:applied",
            "1:rejected by the service (the result says why), or a failure", Main.EXIT_USAGE, Main.EXIT_NO_ANSWER_TEXT})
    abstract static class Sending implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClusterOptions cluster;

        @Mixin
        SharedOptions.TimeoutOption wait;

        /** The command to send, or null after saying on stderr why there is none. */
        abstract io.pim.metalearner.avro.Command command(ServiceConfig config) throws Exception;

        @Override
        public Integer call() throws Exception {
            ServiceConfig config = config(spec, cluster);
            io.pim.metalearner.avro.Command command = command(config);
            if (command == null) return 1; // it said why on stderr
            try (CommandClient ops = new CommandClient(config, "cli")) {
                return print(spec, ops.send(command, wait.timeout)); // no answer in time: Main's handler exits 3
            }
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Start a model over: fresh network (its seeded initial parameters), every agent weight 1.0, step 0.")
    static final class Reset extends Sending {
        @Mixin
        SharedOptions.ModelOption model;

        @Override
        io.pim.metalearner.avro.Command command(ServiceConfig config) {
            return CommandClient.reset(model.resolve(config));
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Put a model back to its newest checkpoint at or before step S (checkpoint.every, checkpoint.keep).",
                    "With --from-database: restore a checkpoint the writer landed in PostgreSQL (metalearner_checkpoints), "
                            + "the newest at or before --to-step S or the newest whose recorded accuracy is above "
                            + "--min-accuracy X, sent as a restore."})
    static final class Rollback extends Sending {
        @Mixin
        SharedOptions.ModelOption model;

        @Option(names = {"--to-step", "--step"}, paramLabel = "S")
        Long toStep;

        @Option(names = "--min-accuracy", paramLabel = "X",
                description = "With --from-database: the newest checkpoint whose recorded rolling direction accuracy is above X.")
        Double minAccuracy;

        @Mixin
        DatabaseRollback.Options database;

        @Override
        io.pim.metalearner.avro.Command command(ServiceConfig config) throws Exception {
            if ((toStep == null) == (minAccuracy == null)) {
                throw new ParameterException(spec.commandLine(), "give one of --to-step S and --min-accuracy X");
            }
            String modelId = model.resolve(config);
            if (!database.fromDatabase) {
                if (minAccuracy != null) throw new ParameterException(spec.commandLine(), "--min-accuracy needs --from-database");
                return CommandClient.rollback(modelId, toStep);
            }
            return DatabaseRollback.restore(spec, database, modelId, toStep, minAccuracy);
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "The live model M continues from candidate C's state (C keeps learning on its own).")
    static final class Promote extends Sending {
        @Option(names = "--from", required = true, paramLabel = "C")
        String from;

        @Option(names = "--to", required = true, paramLabel = "M")
        String to;

        @Override
        io.pim.metalearner.avro.Command command(ServiceConfig config) {
            return CommandClient.promote(from, to);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Restore a model from a file written by export (its full learner state).")
    static final class Import extends Sending {
        @Mixin
        SharedOptions.ModelOption model;

        @Option(names = "--from", required = true, paramLabel = "FILE")
        Path from;

        @Override
        io.pim.metalearner.avro.Command command(ServiceConfig config) throws Exception {
            return CommandClient.restore(model.resolve(config), ModelFile.readState(from));
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write a model's current state (its newest committed learner) to FILE: a zip with a DL4J "
                    + "ModelSerializer file (" + ModelFile.DL4J + ") and the full learner state (" + ModelFile.STATE + ").",
                    "Prints one JSON line with the step and fingerprint."})
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClusterOptions cluster;

        @Mixin
        SharedOptions.ModelOption model;

        @Option(names = "--to", required = true, paramLabel = "FILE")
        Path to;

        @Override
        public Integer call() throws Exception {
            ServiceConfig config = config(spec, cluster);
            String modelId = model.resolve(config);
            byte[] state;
            try (CommandClient ops = new CommandClient(config, "cli")) {
                state = ops.currentState(modelId).orElse(null);
            }
            if (state == null) {
                spec.commandLine().getErr().println("export: model '" + modelId + "' has no state (never trained?)");
                return 1;
            }
            ModelFile.write(state, to);
            Learner learner = LearnerCodec.decode(state);
            ObjectNode line = MAPPER.createObjectNode();
            line.put("model_id", modelId);
            line.put("file", to.toString());
            line.put("training_step", learner.step());
            line.put("fingerprint", learner.fingerprint());
            println(spec, line);
            return 0;
        }
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = {"Print two models side by side: the trades each was trained on, rolling loss, R² and direction "
                    + "accuracy over its last trades (the window), and the committee's P&L (sign of the weighted vote × "
                    + "price move) with learned vs uniform weights, summed over all the trades it was trained on.",
                    "A candidate installed by replay --as learned all of M's trades, M only those since its last reset, "
                    + "rollback, restore or promote: when the counts differ the P&L sums cover different trades, and "
                    + "compare says so."})
    static final class Compare implements Callable<Integer> {
        private static final String[] FIELDS = {"rule", "trades_trained", "training_step", "rolling_trades", "rolling_loss",
                "rolling_r2", "direction_accuracy", "committee_pnl_learned", "committee_pnl_uniform"};

        @Spec
        CommandSpec spec;

        @Mixin
        ClusterOptions cluster;

        @Parameters(index = "0", paramLabel = "M")
        String live;

        @Parameters(index = "1", paramLabel = "C")
        String candidate;

        @Override
        public Integer call() {
            ServiceConfig config = config(spec, cluster);
            ObjectNode out = MAPPER.createObjectNode();
            ObjectNode models = out.putObject("models");
            try (CommandClient ops = new CommandClient(config, "cli")) {
                for (String id : new String[]{live, candidate}) {
                    byte[] state = ops.currentState(id).orElse(null);
                    if (state == null) {
                        spec.commandLine().getErr().println("compare: model '" + id + "' has no state");
                        return 1;
                    }
                    // the state does not name an engine (both compute the same), so none is shown
                    Learner l = LearnerCodec.decode(state);
                    Metrics m = l.metrics();
                    ObjectNode model = models.putObject(id);
                    model.put("rule", l.config().rule());
                    // one step per trade: a learner's step is the number of trades its state learned from
                    model.put("trades_trained", m.step());
                    model.put("training_step", m.step());
                    model.put("rolling_trades", Math.min(m.step(), l.config().window()));
                    model.put("rolling_loss", m.rollingLoss());
                    if (m.rollingR2() == null) model.putNull("rolling_r2");
                    else model.put("rolling_r2", m.rollingR2());
                    model.put("direction_accuracy", m.rollingDirectionAccuracy());
                    model.put("committee_pnl_learned", m.committeePnlLearned());
                    model.put("committee_pnl_uniform", m.committeePnlUniform());
                }
            }
            long liveTrades = models.get(live).get("trades_trained").asLong();
            long candidateTrades = models.get(candidate).get("trades_trained").asLong();
            out.put("same_trade_count", liveTrades == candidateTrades);
            if (liveTrades != candidateTrades) {
                out.put("note", String.format(java.util.Locale.ROOT, "'%s' was trained on %,d trades, '%s' on %,d: "
                        + "committee_pnl_* sum over different trades and are not comparable. The rolling figures cover "
                        + "each model's last rolling_trades trades: the same trades when '%s' learns beside '%s' "
                        + "(replay --as) and both have trained on at least the window.",
                        live, liveTrades, candidate, candidateTrades, candidate, live));
            }
            PrintWriter w = spec.commandLine().getOut();
            w.printf("%-28s %14s %14s%n", "", live, candidate);
            for (String field : FIELDS) {
                w.printf("%-28s %14s %14s%n", field, text(models.get(live).get(field)), text(models.get(candidate).get(field)));
            }
            if (out.has("note")) w.println("note: " + out.get("note").asText());
            race(config, out, w);
            println(spec, out);
            return 0;
        }

        /**
         * When C is a shadow candidate of M, their standing in M's race: the same trades, so the
         * figures compare, with the Diebold–Mariano test of the difference.
         */
        private void race(ServiceConfig config, ObjectNode out, PrintWriter w) {
            byte[] bytes;
            try (CommandClient ops = new CommandClient(config, "cli")) {
                bytes = ops.currentRace(live).orElse(null);
            }
            if (bytes == null) return;
            ShadowRace race = ShadowRace.decode(bytes, config.raceWindow());
            for (ShadowRace.Standing s : race.standings()) {
                if (!s.candidate().equals(candidate)) continue;
                ObjectNode r = out.putObject("race");
                r.put("trades", s.trades());
                r.put("live_loss", s.liveLoss());
                r.put("candidate_loss", s.candidateLoss());
                if (s.liveR2() == null) r.putNull("live_r2"); else r.put("live_r2", s.liveR2());
                if (s.candidateR2() == null) r.putNull("candidate_r2"); else r.put("candidate_r2", s.candidateR2());
                r.put("live_committee_pnl", s.livePnl());
                r.put("candidate_committee_pnl", s.candidatePnl());
                r.put("uniform_committee_pnl", s.uniformPnl());
                r.put("dm_statistic", s.test().statistic());
                r.put("dm_p_value", s.test().pValue());
                r.put("dm_pnl_statistic", s.pnlTest().statistic());
                r.put("dm_pnl_p_value", s.pnlTest().pValue());
                r.put("dm_lag", s.test().lag());
                r.put("candidate_better", race.alerted().contains(candidate));
                r.put("disqualified", s.disqualified());
                w.printf(java.util.Locale.ROOT, "race over the same last %d trades: loss %.6g vs %.6g, R² %s vs %s, committee "
                                + "P&L %+.4f vs %+.4f (uniform %+.4f); Diebold–Mariano %.2f, one-sided p %.3g, on P&L %.2f, "
                                + "p %.3g (Newey–West lag %d)%s%n",
                        s.trades(), s.liveLoss(), s.candidateLoss(), text(r.get("live_r2")), text(r.get("candidate_r2")),
                        s.livePnl(), s.candidatePnl(), s.uniformPnl(), s.test().statistic(), s.test().pValue(),
                        s.pnlTest().statistic(), s.pnlTest().pValue(), s.test().lag(),
                        race.alerted().contains(candidate) ? " (candidate-better raised)" : "");
            }
        }

        private static String text(com.fasterxml.jackson.databind.JsonNode n) {
            if (n == null || n.isNull()) return "-";
            return n.isFloatingPointNumber() ? String.format(java.util.Locale.ROOT, "%.6g", n.doubleValue()) : n.asText();
        }
    }

    static ServiceConfig config(CommandSpec spec, ClusterOptions cluster) {
        try {
            return cluster.config();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static int print(CommandSpec spec, CommandResult r) {
        println(spec, resultLine(r));
        return r.getApplied() ? 0 : 1;
    }

    /** The printed form of a command's result. */
    static ObjectNode resultLine(CommandResult r) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("command_id", r.getCommandId());
        line.put("model_id", r.getModelId());
        line.put("type", r.getType());
        line.put("applied", r.getApplied());
        if (r.getApplied()) {
            line.put("training_step", r.getTrainingStep());
            line.put("fingerprint", r.getFingerprint());
        } else {
            line.put("reason", r.getReason());
            line.put("detail", r.getDetail());
        }
        line.put("training_offset", r.getSourceOffset());
        return line;
    }

    static void println(CommandSpec spec, Object json) {
        try {
            spec.commandLine().getOut().println(MAPPER.writeValueAsString(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
        spec.commandLine().getOut().flush();
    }
}
