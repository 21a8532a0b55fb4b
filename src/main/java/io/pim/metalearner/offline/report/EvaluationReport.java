package io.pim.metalearner.offline.report;

import io.pim.metalearner.offline.TrainingRun;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.score.Evaluation;
import io.pim.metalearner.learn.LearnerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code evaluate} report: one self-contained HTML page (inline CSS and SVG, no script, no
 * network) about a learner's run on a file of trades. Its first box says in words whether the model
 * predicts at all, because on real prices it mostly does not, and a user must see that before any
 * chart. Every text from the input (agents, file name, summary) is escaped.
 */
public final class EvaluationReport {
    /** Gates shown: take every trade, then only those predicted above 0, 0.1%, 0.25%, 0.5%, 1%. */
    static final double[] THRESHOLDS = {Double.NEGATIVE_INFINITY, 0, 0.001, 0.0025, 0.005, 0.01};
    /** R² below this (after warm-up) reads as "cannot predict": under 1% of the variance explained. */
    static final double NO_SKILL_R2 = 0.01;
    static final double WEAK_R2 = 0.05;

    private EvaluationReport() {
    }

    /** The trades before this index are the network's warm-up; the verdict is on the rest. */
    public static int warmUp(int n) {
        return Math.min(100, n / 10);
    }

    public static String render(String input, LearnerConfig config, Evaluation ev, Map<String, AgentStats> agents,
                                TrainingRun.Order order, ObjectNode summary) throws JsonProcessingException {
        int n = ev.size();
        var h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
                .append("<title>metalearner evaluation: ").append(Html.escape(input)).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
                .append("td:first-child,th:first-child{text-align:left}.verdict{padding:12px 16px;border-radius:6px;font-size:1.05em}")
                .append(".verdict.none{background:#fde2e1;border:2px solid #c0392b}.verdict.weak{background:#fff3cd;border:2px solid #d4a017}")
                .append(".verdict.some{background:#e3f5e1;border:2px solid #2e8b57}pre{background:#f6f6f6;padding:8px;overflow:auto}")
                .append("h2{margin-top:28px}.note{color:#555;font-size:.92em}</style></head><body>");
        h.append("<h1>Evaluation of the meta-learner</h1><p>Input <code id=\"input-name\">").append(Html.escape(input))
                .append("</code>: ").append(summary.path("trades").asLong()).append(" trades, ").append(n)
                .append(" trained, ").append(summary.path("trades").asLong() - n).append(" rejected. Rule <code>")
                .append(Html.escape(config.rule())).append("</code>, engine <code>").append(Html.escape(config.engine()))
                .append("</code>, seed ").append(config.seed()).append(", window ").append(config.window()).append(".</p>");
        boolean timed = order == TrainingRun.Order.DECISION_TIME;
        order(h, order);
        verdict(h, ev, timed);
        if (n == 0) {
            h.append("<p>Nothing was trained: no charts.</p>");
        } else {
            committee(h, ev, timed);
            gates(h, ev, timed);
            fit(h, ev, config.window());
            calibration(h, ev);
            weights(h, ev, agents);
        }
        h.append("<h2>The <code>learn --summary</code> of this run</h2><pre id=\"summary-json\">")
                .append(Html.escape(TrainingRun.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary)))
                .append("</pre></body></html>\n");
        return h.toString();
    }

    private static void order(StringBuilder h, TrainingRun.Order order) {
        if (order == TrainingRun.Order.DECISION_TIME) {
            h.append("<p id=\"order\" data-order=\"").append(order.code).append("\">Order: <b>decision time</b>. Each ")
                    .append("decision was predicted and weighted with the model as it stood at its <code>decided_at</code>, and ")
                    .append("each trade learned at its <code>closed_at</code>, as a live model would have: no look-ahead. ")
                    .append("Every figure below is of those predictions and weights, counted when the trade closed: the ")
                    .append("charts run over the trades in the order they closed.</p>");
        } else {
            h.append("<div id=\"order\" data-order=\"").append(order.code).append("\" class=\"verdict weak\"><strong>")
                    .append("Order: file. The trades have no <code>decided_at</code> and <code>closed_at</code>, so each was ")
                    .append("learned in file order, predicted just before. Where holds overlap or decisions share an instant, ")
                    .append("the figures below contain look-ahead: read them as an upper bound.</strong></div>");
        }
    }

    private static void verdict(StringBuilder h, Evaluation ev, boolean timed) {
        int from = warmUp(ev.size());
        Double r2 = ev.r2(from);
        String kind, words;
        if (r2 == null) {
            kind = "none";
            words = "Too few trades to say whether the model predicts anything.";
        } else if (r2 < NO_SKILL_R2) {
            kind = "none";
            words = "The model cannot predict these returns: its predictions explain " + pct(Math.max(0, r2))
                    + " of their variance (R² " + num(r2) + "). Do not gate trades on them. On real daily prices this is "
                    + "the expected result: day-to-day index returns are close to unpredictable from technical votes.";
        } else if (r2 < WEAK_R2) {
            kind = "weak";
            words = "The model predicts these returns only weakly: R² " + num(r2) + " (" + pct(r2)
                    + " of the variance). Gating may still help a little; check the gated P&L below.";
        } else {
            kind = "some";
            words = "The model predicts part of these returns: R² " + num(r2) + " (" + pct(r2) + " of the variance).";
        }
        h.append("<div id=\"verdict\" class=\"verdict ").append(kind).append("\" data-r2=\"").append(r2 == null ? "" : num(r2))
                .append("\"><strong>").append(words).append("</strong><br><span class=\"note\">R² and direction accuracy (")
                .append(pct(ev.directionAccuracy(from))).append(") over trades ").append(from + 1).append("–").append(ev.size())
                .append(", each predicted ").append(timed ? "at its decision" : "just before the model learned from it")
                .append("; the first ").append(from)
                .append(" are the network's warm-up.</span></div>");
    }

    private static void committee(StringBuilder h, Evaluation ev, boolean timed) {
        double[] learned = ev.pnlLearned(), uniform = ev.pnlUniform();
        double l = learned[learned.length - 1], u = uniform[uniform.length - 1];
        h.append("<h2>Committee P&amp;L: learned vs uniform weights</h2><p>Σ over trades of sign(Σ wᵢ·directionᵢ·confidenceᵢ) × price move, ")
                .append("with the agent weights as they were ").append(timed ? "at each decision" : "before each trade")
                .append(", and with every weight 1. Learned <b id=\"pnl-learned\">")
                .append(num(l)).append("</b> vs uniform <b id=\"pnl-uniform\">").append(num(u)).append("</b>: learning ")
                .append(l > u ? "helped" : l < u ? "hurt" : "changed nothing").append(" (").append(signed(l - u)).append(").</p>");
        h.append(SvgChart.lines("chart-pnl", "Cumulative committee P&L", "cumulative return",
                List.of(new SvgChart.Series("learned weights", learned), new SvgChart.Series("uniform weights", uniform))));
    }

    private static void gates(StringBuilder h, Evaluation ev, boolean timed) {
        h.append("<h2>Gated P&amp;L: taking only trades predicted above a threshold</h2><p class=\"note\">Σ of the realized returns ")
                .append("of the committee's actions that a gate on the model's prediction (made ")
                .append(timed ? "at the trade's decision" : "just before it learned from the trade").append(") ")
                .append("lets through. If gating helps, mean per trade rises with the threshold.</p>")
                .append("<table id=\"gates\"><tr><th>gate</th><th>trades taken</th><th>P&amp;L</th><th>mean per trade</th></tr>");
        List<SvgChart.Series> series = new ArrayList<>();
        for (double t : THRESHOLDS) {
            Evaluation.Gate g = ev.gate(t);
            String name = Double.isInfinite(t) ? "take all" : "predicted > " + String.format(Locale.ROOT, "%.2f%%", 100 * t);
            h.append("<tr><td>").append(name).append("</td><td>").append(g.taken()).append("</td><td>").append(num(g.pnl()))
                    .append("</td><td>").append(g.taken() == 0 ? "–" : signed(g.pnl() / g.taken())).append("</td></tr>");
            series.add(new SvgChart.Series(name, g.cumulative()));
        }
        h.append("</table>").append(SvgChart.lines("chart-gated", "Cumulative gated P&L", "cumulative return", series));
    }

    private static void fit(StringBuilder h, Evaluation ev, int window) {
        h.append("<h2>Rolling loss and R² (last ").append(window).append(" trades)</h2><p class=\"note\">R² above 0 means better ")
                .append("than predicting the window's mean return; below 0, worse. The first windows of a fresh network can ")
                .append("reach far below −1: the chart stops at −1 so that the rest stays readable.</p>")
                .append(SvgChart.lines("chart-loss", "Rolling loss", "mean squared error",
                        List.of(new SvgChart.Series("rolling loss", ev.rollingLoss()))))
                .append(SvgChart.lines("chart-r2", "Rolling R² (drawn no lower than −1)", "R²",
                        List.of(new SvgChart.Series("rolling R²", clipBelow(ev.rollingR2(), -1)))));
    }

    private static void calibration(StringBuilder h, Evaluation ev) {
        List<Evaluation.Bin> bins = ev.calibration(10);
        double[] p = bins.stream().mapToDouble(Evaluation.Bin::meanPredicted).toArray();
        double[] a = bins.stream().mapToDouble(Evaluation.Bin::meanActual).toArray();
        h.append("<h2>Predicted vs realized, by decile of prediction</h2><p class=\"note\">A calibrated model's dots lie on the ")
                .append("dashed diagonal; a model without skill gives a flat cloud.</p>")
                .append(SvgChart.calibration("chart-calibration", "Calibration by deciles", p, a))
                .append("<table id=\"calibration\"><tr><th>decile</th><th>trades</th><th>mean predicted</th><th>mean realized</th></tr>");
        for (int i = 0; i < bins.size(); i++) {
            h.append("<tr><td>").append(i + 1).append("</td><td>").append(bins.get(i).count()).append("</td><td>")
                    .append(signed(p[i])).append("</td><td>").append(signed(a[i])).append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void weights(StringBuilder h, Evaluation ev, Map<String, AgentStats> agents) {
        List<SvgChart.Series> series = new ArrayList<>();
        for (int i = 0; i < ev.roster().size(); i++) series.add(new SvgChart.Series(ev.roster().get(i), ev.weights(i)));
        h.append("<h2>Agent weights over time</h2>").append(SvgChart.lines("chart-weights", "Agent weights", "weight", series));
        h.append("<table id=\"agents\"><tr><th>agent</th><th>final weight</th><th>directional votes</th><th>accuracy</th>")
                .append("<th>mean contribution</th></tr>");
        agents.forEach((agent, s) -> h.append("<tr><td>").append(Html.escape(agent)).append("</td><td>")
                .append(String.format(Locale.ROOT, "%.4f", s.weight())).append("</td><td>").append(s.decisions()).append("</td><td>")
                .append(s.decisions() == 0 ? "–" : pct(s.accuracy())).append("</td><td>").append(signed(s.avgProfitContribution()))
                .append("</td></tr>"));
        h.append("</table><p class=\"note\">Accuracy: share of an agent's LONG/SHORT votes whose direction matched the price move; ")
                .append("mean contribution: direction × confidence × price move, averaged over those votes.</p>");
    }

    /** A copy with values below {@code floor} raised to it (NaN stays a gap). */
    static double[] clipBelow(double[] values, double floor) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) if (out[i] < floor) out[i] = floor;
        return out;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.5f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
