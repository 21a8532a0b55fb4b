package io.pim.metalearner.tools.simulate;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;

/**
 * Daily closes of several symbols on common dates: {@code closes[s][d]} is symbol s's close on
 * {@code dates.get(d)}. Checked on construction (strictly increasing dates, one finite positive close
 * per symbol and date), so a backtest never trades on a missing or impossible price.
 */
public record PriceHistory(List<LocalDate> dates, List<String> symbols, double[][] closes) {

    public PriceHistory {
        dates = List.copyOf(dates);
        symbols = List.copyOf(symbols);
        if (symbols.isEmpty()) throw new IllegalArgumentException("no symbols");
        if (new HashSet<>(symbols).size() != symbols.size()) throw new IllegalArgumentException("a symbol is listed twice");
        if (closes.length != symbols.size()) throw new IllegalArgumentException("one close series per symbol");
        for (int d = 1; d < dates.size(); d++) {
            if (!dates.get(d).isAfter(dates.get(d - 1))) {
                throw new IllegalArgumentException("dates must increase: " + dates.get(d) + " after " + dates.get(d - 1));
            }
        }
        double[][] copy = new double[closes.length][];
        for (int s = 0; s < closes.length; s++) {
            if (closes[s].length != dates.size()) throw new IllegalArgumentException("one close per date for " + symbols.get(s));
            for (double c : closes[s]) {
                if (!(c > 0) || Double.isInfinite(c)) throw new IllegalArgumentException("close " + c + " of " + symbols.get(s));
            }
            copy[s] = closes[s].clone();
        }
        closes = copy;
    }

    public int days() {
        return dates.size();
    }

    /** Symbol s's closes up to and including day d: all a rule may see when it votes on day d. */
    public double[] pastCloses(int s, int d) {
        return java.util.Arrays.copyOf(closes[s], d + 1);
    }

    public double close(int s, int d) {
        return closes[s][d];
    }
}
