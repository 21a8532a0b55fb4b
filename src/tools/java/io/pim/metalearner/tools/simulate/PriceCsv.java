package io.pim.metalearner.tools.simulate;


import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads daily closes from a CSV: a header {@code date,SYM1,SYM2,...}, then one row per trading day
 * with an ISO date (yyyy-MM-dd) and one close per symbol. Anything that would make a backtest trade
 * on a price that is not there is refused with the line and column: a missing value (empty, NA),
 * text, a non-finite or non-positive price, a row with too few or too many fields, a date that is
 * not after the previous one (unsorted or duplicate). Nothing is guessed or filled in: fill or drop
 * such rows before, knowingly. Blank lines, a byte order mark and CRLF endings are fine.
 */
final class PriceCsv {
    // Plain decimals only: Double.parseDouble would also take "0x1p3", "1d" or "NaN".
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** The file cannot be used as prices; the message names where and why. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private PriceCsv() {
    }

    static PriceHistory read(Path file) throws IOException, Invalid {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    static PriceHistory parse(String name, String text) throws Invalid {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        List<CSVRecord> records = records(name, text);
        if (records.isEmpty()) throw new Invalid(name + ": empty, expected a header date,SYMBOL,...");
        List<String> header = records.get(0).toList();
        int headerLine = line(text, records.get(0));
        if (header.size() < 2 || !header.get(0).equalsIgnoreCase("date")) {
            throw new Invalid(name + " line " + headerLine + ": the header must be date,SYMBOL,... (got '"
                    + String.join(",", header) + "')");
        }
        List<String> symbols = header.subList(1, header.size());
        var seen = new HashSet<String>();
        for (String s : symbols) {
            if (s.isEmpty()) throw new Invalid(name + " line " + headerLine + ": a symbol in the header is empty");
            if (!seen.add(s)) throw new Invalid(name + " line " + headerLine + ": symbol '" + s + "' is listed twice");
        }
        List<LocalDate> dates = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (CSVRecord record : records.subList(1, records.size())) {
            String where = name + " line " + line(text, record);
            if (record.size() != header.size()) {
                throw new Invalid(where + ": " + record.size() + " fields, the header has " + header.size());
            }
            LocalDate date = date(where, record.get(0));
            if (!dates.isEmpty() && !date.isAfter(dates.get(dates.size() - 1))) {
                throw new Invalid(where + ": date " + date + (date.equals(dates.get(dates.size() - 1)) ? " is repeated"
                        : " comes after " + dates.get(dates.size() - 1) + "; rows must be in increasing date order"));
            }
            double[] row = new double[symbols.size()];
            for (int s = 0; s < row.length; s++) row[s] = close(where + ", " + symbols.get(s), record.get(s + 1));
            dates.add(date);
            rows.add(row);
        }
        if (dates.isEmpty()) throw new Invalid(name + ": no price rows after the header");
        double[][] closes = new double[symbols.size()][dates.size()];
        for (int d = 0; d < dates.size(); d++) {
            for (int s = 0; s < symbols.size(); s++) closes[s][d] = rows.get(d)[s];
        }
        return new PriceHistory(dates, symbols, closes);
    }

    /** RFC 4180 records (a quoted field may hold a comma), fields trimmed, blank lines skipped. */
    private static List<CSVRecord> records(String name, String text) throws Invalid {
        CSVFormat format = CSVFormat.RFC4180.builder().setTrim(true).setIgnoreEmptyLines(true).get();
        try (CSVParser parser = CSVParser.parse(text, format)) {
            return parser.getRecords();
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            throw new Invalid(name + ": not a CSV file: " + e.getMessage());
        }
    }

    /** The 1-based line a record starts on. */
    private static int line(String text, CSVRecord record) {
        int line = 1;
        for (int i = 0, end = (int) record.getCharacterPosition(); i < end; i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    private static LocalDate date(String where, String text) throws Invalid {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new Invalid(where + ": '" + text + "' is not a date (yyyy-MM-dd)");
        }
    }

    private static double close(String where, String text) throws Invalid {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("na") || t.equals("n/a") || t.equals("null")) {
            throw new Invalid(where + ": the close is missing ('" + text + "'); fill or drop the row first");
        }
        if (t.matches("[+-]?(nan|inf|infinity)")) throw new Invalid(where + ": the close " + text + " is not finite");
        if (!DECIMAL.matcher(text).matches()) throw new Invalid(where + ": '" + text + "' is not a number");
        double v = Double.parseDouble(text);
        if (Double.isInfinite(v)) throw new Invalid(where + ": the close " + text + " is not finite");
        if (!(v > 0)) throw new Invalid(where + ": the close " + text + " is not positive");
        return v;
    }
}
