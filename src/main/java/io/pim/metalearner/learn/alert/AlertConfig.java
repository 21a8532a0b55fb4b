package io.pim.metalearner.learn.alert;

/**
 * Thresholds of the alert detectors. Each condition has a raise and a (looser) clear threshold, so
 * a value hovering at the limit does not flap the alert on and off.
 *
 * @param lossWindow          trades per window: the loss alert compares the mean loss of the last
 *                            window with the window before it (needs 2 windows of history)
 * @param lossRiseRatio       raise when last/previous mean loss is above this
 * @param lossClearRatio      clear when it is back below this
 * @param r2MinTrades         no R² alert before this many steps (R² of a short window means little)
 * @param r2Raise             raise when rolling R² is below this
 * @param r2Clear             clear when it is back at or above this
 * @param collapseMinSteps    no collapse alert before this many steps (all weights start at 1.0)
 * @param collapseSpread      raise when max − min of the agent weights is below this
 * @param collapseClearSpread clear when the spread is back above this
 * @param driftDelta          Page-Hinkley tolerated change of the mean loss per step
 * @param driftThreshold      Page-Hinkley lambda: detection when the cumulative sum exceeds it
 * @param driftAlpha          Page-Hinkley forgetting factor of the cumulative sum
 * @param driftMinInstances   Page-Hinkley values needed (after each detection too) before detecting
 * @param driftClearSteps     a drift alert clears after this many steps without a new detection
 */
public record AlertConfig(int lossWindow, double lossRiseRatio, double lossClearRatio,
                          int r2MinTrades, double r2Raise, double r2Clear,
                          int collapseMinSteps, double collapseSpread, double collapseClearSpread,
                          double driftDelta, double driftThreshold, double driftAlpha, int driftMinInstances,
                          int driftClearSteps) {

    /**
     * The seed's conditions (50-trade loss window, R² below 0.3) and drift parameters sized for
     * the loss of this model: squared errors of returns, about 1e-3 for a 3–4 % residual. River's
     * defaults (delta 0.005, lambda 50) assume values of order 1 and would never fire on it.
     * With these, a stationary loss stream with 4 % residuals gives about one false detection
     * in 100,000 steps and a doubling of the residual is detected in about 15 steps.
     * The collapse spread is below what healthy learning shows: on the simulated streams the
     * seed-ema weights of 9 agents spread 0.04–0.13 from step 50 to 2,000 (seeds 1–3).
     */
    public static AlertConfig defaults() {
        return new AlertConfig(50, 1.5, 1.1,
                50, 0.3, 0.35,
                100, 0.01, 0.02,
                0.001, 0.05, 1 - 1e-4, 30,
                50);
    }

    public AlertConfig {
        require(lossWindow >= 2, "lossWindow", lossWindow, "at least 2");
        require(lossRiseRatio > lossClearRatio && lossClearRatio >= 1, "lossRiseRatio/lossClearRatio",
                lossRiseRatio + "/" + lossClearRatio, "rise > clear >= 1");
        require(r2MinTrades >= 2, "r2MinTrades", r2MinTrades, "at least 2");
        require(r2Clear >= r2Raise, "r2Raise/r2Clear", r2Raise + "/" + r2Clear, "clear >= raise");
        require(collapseMinSteps >= 0, "collapseMinSteps", collapseMinSteps, "at least 0");
        require(collapseClearSpread >= collapseSpread && collapseSpread >= 0, "collapseSpread/collapseClearSpread",
                collapseSpread + "/" + collapseClearSpread, "0 <= raise <= clear");
        require(driftDelta >= 0, "driftDelta", driftDelta, "at least 0");
        require(driftThreshold > 0, "driftThreshold", driftThreshold, "above 0");
        require(driftAlpha > 0 && driftAlpha <= 1, "driftAlpha", driftAlpha, "in (0, 1]");
        require(driftMinInstances >= 1, "driftMinInstances", driftMinInstances, "at least 1");
        require(driftClearSteps >= 1, "driftClearSteps", driftClearSteps, "at least 1");
    }

    private static void require(boolean ok, String key, Object value, String allowed) {
        if (!ok) throw new IllegalArgumentException("alert config " + key + " = " + value + ": must be " + allowed);
    }
}
