package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.Vote;

/**
 * Classical technical rules, each a vote computed only from the closes it is given (the last one
 * is today's). The price backtest gives each agent of the roster one rule; docs/USAGE.md lists them.
 * A rule votes LONG or SHORT when its signal is beyond a threshold, NEUTRAL otherwise; its
 * confidence grows from 0.5 with how far beyond (capped at 1), so confidence carries information.
 */
public enum ClassicalRule {
    /** MA(5) above MA(20) by more than 0.2%: the short-term trend is up. */
    TREND_CROSSOVER(20) {
        @Override double signal(double[] c) {
            return band(mean(c, 5) / mean(c, 20) - 1, 0.002, 0.02);
        }
    },
    /** RSI(14) (simple averages) below 30: oversold, LONG; above 70: overbought, SHORT. */
    RSI_REVERSION(15) {
        @Override double signal(double[] c) {
            double gain = 0, loss = 0;
            for (int i = c.length - 14; i < c.length; i++) {
                double ch = c[i] - c[i - 1];
                if (ch > 0) gain += ch; else loss -= ch;
            }
            double rsi = gain + loss == 0 ? 50 : 100 * gain / (gain + loss);
            return band(50 - rsi, 20, 20);
        }
    },
    /** Close more than 1σ below its 60-day mean: LONG (reverts up); more than 1σ above: SHORT. */
    MEAN_REVERSION(60) {
        @Override double signal(double[] c) {
            double sd = sd(c, 60);
            return sd == 0 ? 0 : band(-(last(c) - mean(c, 60)) / sd, 1, 2);
        }
    },
    /** A 5-day move beyond ±2% fades: after a fall LONG, after a rise SHORT. */
    SHORT_TERM_REVERSAL(6) {
        @Override double signal(double[] c) {
            return band(-(last(c) / c[c.length - 6] - 1), 0.02, 0.04);
        }
    },
    /** Volatility regime: 20-day volatility below 0.8× the 120-day one is calm, LONG; above 1.25×, SHORT. */
    VOLATILITY_REGIME(121) {
        @Override double signal(double[] c) {
            double recent = volatility(c, 20), longer = volatility(c, 120);
            if (longer == 0) return 0;
            double ratio = recent / longer;
            return ratio < 0.8 ? Math.min(1, (0.8 - ratio) / 0.4) : ratio > 1.25 ? -Math.min(1, (ratio - 1.25) / 0.75) : 0;
        }
    },
    /** MA(50) above MA(200) by more than 0.5% (golden cross): LONG; below (death cross): SHORT. */
    LONG_TREND(200) {
        @Override double signal(double[] c) {
            return band(mean(c, 50) / mean(c, 200) - 1, 0.005, 0.05);
        }
    },
    /** 60-day return beyond ±3%: follow it. */
    MOMENTUM(61) {
        @Override double signal(double[] c) {
            return band(last(c) / c[c.length - 61] - 1, 0.03, 0.10);
        }
    },
    /** Bollinger bands (20 days, 2σ): close below the lower band LONG, above the upper SHORT. */
    BOLLINGER_REVERSION(20) {
        @Override double signal(double[] c) {
            double sd = sd(c, 20);
            return sd == 0 ? 0 : band(-(last(c) - mean(c, 20)) / sd, 2, 1);
        }
    },
    /** Donchian breakout: close above the previous 20 days' highest close LONG, below their lowest SHORT. */
    BREAKOUT(21) {
        @Override double signal(double[] c) {
            double hi = Double.NEGATIVE_INFINITY, lo = Double.POSITIVE_INFINITY;
            for (int i = c.length - 21; i < c.length - 1; i++) {
                hi = Math.max(hi, c[i]);
                lo = Math.min(lo, c[i]);
            }
            double now = last(c);
            return now > hi ? Math.min(1, (now / hi - 1) / 0.02) : now < lo ? -Math.min(1, (1 - now / lo) / 0.02) : 0;
        }
    };

    /** How many closes, today's included, the rule needs before it can vote. */
    public final int lookback;

    ClassicalRule(int lookback) {
        this.lookback = lookback;
    }

    /** In [−1, 1]: the sign is the direction (0 NEUTRAL), the size how strongly the rule holds. */
    abstract double signal(double[] closes);

    /**
     * The vote on the last day of {@code past} (which must hold at least {@link #lookback} closes):
     * direction from the signal's sign, confidence 0.5 + 0.5·|signal| (0.5 when NEUTRAL), position
     * size 10 × confidence, both rounded as a person would write them.
     */
    public Vote vote(double[] past) {
        if (past.length < lookback) throw new IllegalArgumentException(name() + " needs " + lookback + " closes, got " + past.length);
        double s = signal(past);
        Direction d = s > 0 ? Direction.LONG : s < 0 ? Direction.SHORT : Direction.NEUTRAL;
        double confidence = Math.round(100 * (0.5 + 0.5 * Math.abs(s))) / 100.0;
        return new Vote(d, confidence, Math.round(100 * confidence) / 10.0);
    }

    /** x beyond ±threshold as a signal in [−1, 1] reaching ±1 at threshold + span; 0 inside. */
    static double band(double x, double threshold, double span) {
        if (Math.abs(x) <= threshold) return 0;
        return Math.signum(x) * Math.min(1, (Math.abs(x) - threshold) / span);
    }

    static double last(double[] c) {
        return c[c.length - 1];
    }

    static double mean(double[] c, int n) {
        double sum = 0;
        for (int i = c.length - n; i < c.length; i++) sum += c[i];
        return sum / n;
    }

    static double sd(double[] c, int n) {
        double m = mean(c, n), ss = 0;
        for (int i = c.length - n; i < c.length; i++) ss += (c[i] - m) * (c[i] - m);
        return Math.sqrt(ss / n);
    }

    /** Standard deviation of the last n daily log returns. */
    static double volatility(double[] c, int n) {
        double sum = 0, ss = 0;
        for (int i = c.length - n; i < c.length; i++) {
            double r = Math.log(c[i] / c[i - 1]);
            sum += r;
            ss += r * r;
        }
        double m = sum / n;
        return Math.sqrt(Math.max(0, ss / n - m * m));
    }
}
