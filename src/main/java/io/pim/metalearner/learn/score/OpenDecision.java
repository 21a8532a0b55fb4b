package io.pim.metalearner.learn.score;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A decision whose trade is still open, as every learner of its model scored it at vote time: the
 * live model first, then its candidates. Kept until the trade settles, when the figures, the race
 * and the alerts judge each learner by what it said then, not by what it would say after learning
 * the trades that closed in between. Each score is the learner's prediction for the decision's side
 * and the committee's score with its weights as they were ({@link VoteScore}).
 *
 * @param offset   where the votes were read (the training topic): scores of one model are ordered by it
 * @param scoredAt when it was scored (epoch ms), for the expiry of a decision whose trade never trains
 * @param scores   one per learner that scored it, the live model first
 */
public record OpenDecision(long offset, long scoredAt, List<Scored> scores) {
    private static final int FORMAT_VERSION = 1;

    /** One learner's score: its id, and the step, prediction and committee scores of its {@link VoteScore}. */
    public record Scored(String learner, long step, double predicted, double committeeLearned, double committeeUniform) {
        public static Scored of(String learner, VoteScore score) {
            return new Scored(learner, score.step(), score.predictedReturn(), score.committeeLearned(),
                    score.committeeUniform());
        }

        /** As the {@link VoteScore} it was made from (without a fingerprint). */
        public VoteScore score() {
            return new VoteScore(step, null, predicted, committeeLearned, committeeUniform);
        }

        /** The committee's P&amp;L on a trade with this price move, weighted as at the vote. */
        public double pnl(double priceMove) {
            return Math.signum(committeeLearned) * priceMove;
        }

        /** The same with every weight 1. */
        public double uniformPnl(double priceMove) {
            return Math.signum(committeeUniform) * priceMove;
        }
    }

    public OpenDecision {
        scores = List.copyOf(scores);
    }

    /** The learner's score, or null if it did not score the decision (it did not exist yet). */
    public Scored of(String learner) {
        for (Scored s : scores) if (s.learner.equals(learner)) return s;
        return null;
    }

    public byte[] encode() {
        List<byte[]> ids = new ArrayList<>(scores.size());
        int size = 4 + 8 + 8 + 4;
        for (Scored s : scores) {
            byte[] id = s.learner.getBytes(StandardCharsets.UTF_8);
            ids.add(id);
            size += 4 + id.length + 8 + 3 * 8;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(FORMAT_VERSION).putLong(offset).putLong(scoredAt)
                .putInt(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            Scored s = scores.get(i);
            out.putInt(ids.get(i).length).put(ids.get(i)).putLong(s.step).putDouble(s.predicted)
                    .putDouble(s.committeeLearned).putDouble(s.committeeUniform);
        }
        return out.array();
    }

    /** @throws IllegalArgumentException if the bytes are not an open decision this version can read */
    public static OpenDecision decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int version = in.getInt();
            if (version != FORMAT_VERSION) throw new IllegalArgumentException("unknown open decision format " + version);
            long offset = in.getLong(), scoredAt = in.getLong();
            int n = in.getInt();
            if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("an open decision claims " + n + " scores");
            List<Scored> scores = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) throw new IllegalArgumentException("a learner id of " + length + " bytes");
                byte[] id = new byte[length];
                in.get(id);
                scores.add(new Scored(new String(id, StandardCharsets.UTF_8), in.getLong(), in.getDouble(), in.getDouble(),
                        in.getDouble()));
            }
            return new OpenDecision(offset, scoredAt, scores);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("an open decision is truncated", e);
        }
    }
}
