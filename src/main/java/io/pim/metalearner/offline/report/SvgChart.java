package io.pim.metalearner.offline.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the evaluation report: no script, no network, readable in any browser
 * and in a file viewer. Every text that comes from the input goes through {@link Html#escape}.
 */
final class SvgChart {
    static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 760, H = 260, LEFT = 70, RIGHT = 170, TOP = 12, BOTTOM = 34;
    // a chart of thousands of steps is drawn from at most this many points per series
    private static final int MAX_POINTS = 600;

    /** One line: its legend name and a value per training step (NaN leaves a gap). */
    record Series(String name, double[] values) {
    }

    private SvgChart() {
    }

    /** Lines over the training steps 1..n, with a dashed zero line when 0 is in range. */
    static String lines(String id, String title, String yLabel, List<Series> series) {
        int n = series.stream().mapToInt(s -> s.values().length).max().orElse(0);
        double[] range = range(series.stream().map(Series::values).toList());
        var svg = new StringBuilder(open(id, title, series.size()));
        axes(svg, 1, Math.max(n, 2), range[0], range[1], "training step", yLabel);
        int stride = Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String color = COLORS[k % COLORS.length];
            List<String> segments = new ArrayList<>();
            var points = new StringBuilder();
            for (int i = 0; i < s.values().length; i += stride) {
                int at = Math.min(i + stride - 1, s.values().length - 1); // keeps the last step in
                double v = s.values()[at];
                if (!Double.isFinite(v)) {
                    if (points.length() > 0) segments.add(points.toString());
                    points.setLength(0);
                    continue;
                }
                points.append(fmt(x(at + 1, 1, Math.max(n, 2)))).append(',').append(fmt(y(v, range))).append(' ');
            }
            if (points.length() > 0) segments.add(points.toString());
            for (String seg : segments) {
                svg.append("<polyline class=\"series\" data-series=\"").append(k).append("\" fill=\"none\" stroke=\"")
                        .append(color).append("\" stroke-width=\"1.5\" points=\"").append(seg.trim()).append("\"/>");
            }
            legend(svg, k, color, s.name());
        }
        return svg.append("</svg>").toString();
    }

    /** Calibration: one dot per bin (mean predicted, mean realized) and the diagonal a perfect model sits on. */
    static String calibration(String id, String title, double[] predicted, double[] actual) {
        double lo = Math.min(min(predicted), min(actual)), hi = Math.max(max(predicted), max(actual));
        if (!(hi > lo)) {
            lo -= 1e-3;
            hi += 1e-3;
        }
        double pad = (hi - lo) * 0.05;
        double[] range = {lo - pad, hi + pad};
        var svg = new StringBuilder(open(id, title, 1));
        axes(svg, range[0], range[1], range[0], range[1], "mean predicted return", "mean realized return");
        svg.append("<line class=\"diagonal\" x1=\"").append(fmt(x(range[0], range[0], range[1]))).append("\" y1=\"")
                .append(fmt(y(range[0], range))).append("\" x2=\"").append(fmt(x(range[1], range[0], range[1])))
                .append("\" y2=\"").append(fmt(y(range[1], range))).append("\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>");
        for (int i = 0; i < predicted.length; i++) {
            svg.append("<circle class=\"bin\" r=\"5\" fill=\"").append(COLORS[0]).append("\" cx=\"")
                    .append(fmt(x(predicted[i], range[0], range[1]))).append("\" cy=\"").append(fmt(y(actual[i], range)))
                    .append("\"><title>decile ").append(i + 1).append(": predicted ").append(String.format(Locale.ROOT, "%+.5f", predicted[i]))
                    .append(", realized ").append(String.format(Locale.ROOT, "%+.5f", actual[i])).append("</title></circle>");
        }
        legend(svg, 0, COLORS[0], "decile of predictions");
        return svg.append("</svg>").toString();
    }

    private static String open(String id, String title, int series) {
        return "<svg class=\"chart\" id=\"" + Html.escape(id) + "\" data-series-count=\"" + series
                + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + W + "\" height=\"" + H + "\" viewBox=\"0 0 " + W + " " + H
                + "\" role=\"img\" aria-label=\"" + Html.escape(title) + "\"><title>" + Html.escape(title) + "</title>"
                + "<rect width=\"" + W + "\" height=\"" + H + "\" fill=\"#fff\"/>";
    }

    private static void axes(StringBuilder svg, double x0, double x1, double y0, double y1, String xLabel, String yLabel) {
        int bottom = H - BOTTOM, right = W - RIGHT;
        svg.append("<g class=\"axes\" font-size=\"11\" fill=\"#333\" stroke=\"none\">");
        svg.append("<line x1=\"" + LEFT + "\" y1=\"" + bottom + "\" x2=\"" + right + "\" y2=\"" + bottom + "\" stroke=\"#333\"/>");
        svg.append("<line x1=\"" + LEFT + "\" y1=\"" + TOP + "\" x2=\"" + LEFT + "\" y2=\"" + bottom + "\" stroke=\"#333\"/>");
        double[] range = {y0, y1};
        for (int t = 0; t <= 4; t++) {
            double v = y0 + (y1 - y0) * t / 4;
            double py = y(v, range);
            svg.append("<line x1=\"" + LEFT + "\" x2=\"" + right + "\" y1=\"" + fmt(py) + "\" y2=\"" + fmt(py)
                    + "\" stroke=\"#eee\"/><text x=\"" + (LEFT - 4) + "\" y=\"" + fmt(py + 4) + "\" text-anchor=\"end\">"
                    + tick(v) + "</text>");
            double xv = x0 + (x1 - x0) * t / 4;
            if (x1 - x0 >= 4 && x0 == Math.rint(x0)) xv = Math.rint(xv); // training steps are whole
            svg.append("<text x=\"" + fmt(x(xv, x0, x1)) + "\" y=\"" + (bottom + 14) + "\" text-anchor=\"middle\">" + tick(xv) + "</text>");
        }
        if (y0 < 0 && y1 > 0) {
            svg.append("<line class=\"zero\" x1=\"" + LEFT + "\" x2=\"" + right + "\" y1=\"" + fmt(y(0, range)) + "\" y2=\""
                    + fmt(y(0, range)) + "\" stroke=\"#666\" stroke-dasharray=\"3 3\"/>");
        }
        svg.append("<text x=\"" + (LEFT + right) / 2 + "\" y=\"" + (H - 4) + "\" text-anchor=\"middle\">" + Html.escape(xLabel) + "</text>");
        svg.append("<text transform=\"rotate(-90)\" x=\"" + -(TOP + bottom) / 2 + "\" y=\"12\" text-anchor=\"middle\">"
                + Html.escape(yLabel) + "</text></g>");
    }

    private static void legend(StringBuilder svg, int k, String color, String name) {
        int ly = TOP + 6 + 16 * k, lx = W - RIGHT + 10;
        svg.append("<g class=\"legend\"><rect x=\"" + lx + "\" y=\"" + (ly - 8) + "\" width=\"12\" height=\"4\" fill=\"" + color
                + "\"/><text x=\"" + (lx + 16) + "\" y=\"" + ly + "\" font-size=\"11\">" + Html.escape(name) + "</text></g>");
    }

    private static double[] range(List<double[]> all) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] v : all) {
            lo = Math.min(lo, min(v));
            hi = Math.max(hi, max(v));
        }
        if (lo == Double.POSITIVE_INFINITY) return new double[]{-1, 1};
        if (!(hi > lo)) return new double[]{lo - 1e-3, hi + 1e-3};
        double pad = (hi - lo) * 0.05;
        return new double[]{lo - pad, hi + pad};
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double d : v) if (Double.isFinite(d)) m = Math.min(m, d);
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double d : v) if (Double.isFinite(d)) m = Math.max(m, d);
        return m;
    }

    private static double x(double v, double x0, double x1) {
        return LEFT + (v - x0) / (x1 - x0) * (W - RIGHT - LEFT);
    }

    private static double y(double v, double[] range) {
        return H - BOTTOM - (v - range[0]) / (range[1] - range[0]) * (H - BOTTOM - TOP);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String tick(double v) {
        return Math.abs(v) >= 1000 || (Math.abs(v) >= 1 && v == Math.rint(v)) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
