package io.pim.metalearner.tools.simulate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Closes from a CSV: read as written, or refused with the line and the reason; never guessed. */
class PriceCsvTest {
    private static final String HEADER = "date,DAX,FTSE\n";

    @Test
    void readsTheDatesAndOneCloseSeriesPerSymbol() throws Exception {
        // when
        PriceHistory h = PriceCsv.parse("p.csv", "\uFEFFDate,DAX,\"FTSE\"\r\n1998-08-12,5300.5,5400\r\n\r\n1998-08-13,5355.03,5399.5\r\n");

        // then
        assertThat(h.symbols()).containsExactly("DAX", "FTSE");
        assertThat(h.dates()).containsExactly(LocalDate.of(1998, 8, 12), LocalDate.of(1998, 8, 13));
        assertThat(h.pastCloses(0, 1)).containsExactly(5300.5, 5355.03);
        assertThat(h.pastCloses(1, 1)).containsExactly(5400, 5399.5);
    }

    @Test
    void aQuotedFieldMayHoldACommaAndAQuote() throws Exception {
        // when: spreadsheet exports quote a name with a comma, and double a quote inside one
        PriceHistory h = PriceCsv.parse("p.csv", "date,\"DAX, Frankfurt\",\"FTSE \"\"100\"\"\"\n1998-08-12,\"5300.5\",5400\n");

        // then
        assertThat(h.symbols()).containsExactly("DAX, Frankfurt", "FTSE \"100\"");
        assertThat(h.pastCloses(0, 0)).containsExactly(5300.5);
    }

    @Test
    void anUnclosedQuoteIsRefusedNotGuessed() {
        assertThatThrownBy(() -> PriceCsv.parse("p.csv", "date,DAX\n1998-08-12,\"5300\n"))
                .isInstanceOf(PriceCsv.Invalid.class).hasMessageStartingWith("p.csv: not a CSV file");
    }

    @Test
    void theCommittedExtractOfEuStockMarketsReads() throws Exception {
        PriceHistory h = PriceCsv.read(Path.of("docs/prices/eu-stock-markets.csv"));
        assertThat(h.symbols()).containsExactly("DAX", "SMI", "CAC", "FTSE");
        assertThat(h.days()).isEqualTo(1000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing value     | 1998-08-12,5300,\\n                    | line 2, FTSE: the close is missing",
            "NA                | 1998-08-12,NA,5400\\n                 | line 2, DAX: the close is missing ('NA')",
            "zero              | 1998-08-12,0,5400\\n                  | line 2, DAX: the close 0 is not positive",
            "negative          | 1998-08-12,5300,-1\\n                 | line 2, FTSE: the close -1 is not positive",
            "NaN               | 1998-08-12,NaN,5400\\n                | line 2, DAX: the close NaN is not finite",
            "Infinity          | 1998-08-12,5300,Infinity\\n           | line 2, FTSE: the close Infinity is not finite",
            "overflow          | 1998-08-12,1e999,5400\\n              | line 2, DAX: the close 1e999 is not finite",
            "text              | 1998-08-12,5300,abc\\n                | line 2, FTSE: 'abc' is not a number",
            "hex float         | 1998-08-12,0x1p3,5400\\n              | line 2, DAX: '0x1p3' is not a number",
            "short row         | 1998-08-12,5300\\n                    | line 2: 2 fields, the header has 3",
            "long row          | 1998-08-12,5300,5400,1\\n             | line 2: 4 fields, the header has 3",
            "bad date          | 12/08/1998,5300,5400\\n               | line 2: '12/08/1998' is not a date",
            "duplicate date    | 1998-08-12,5300,5400\\n1998-08-12,5301,5401\\n | line 3: date 1998-08-12 is repeated",
            "unsorted dates    | 1998-08-13,5300,5400\\n1998-08-12,5301,5401\\n | line 3: date 1998-08-12 comes after 1998-08-13",
    })
    void invalidPricesAreRefusedWithTheLineAndTheReason(String what, String rows, String message) {
        assertThatThrownBy(() -> PriceCsv.parse("p.csv", HEADER + rows.replace("\\n", "\n")))
                .isInstanceOf(PriceCsv.Invalid.class).hasMessageContaining("p.csv " + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no header date    | day,DAX\\n1998-08-12,1\\n   | line 1: the header must be date,SYMBOL,...",
            "no symbols        | date\\n1998-08-12\\n        | line 1: the header must be date,SYMBOL,...",
            "repeated symbol   | date,DAX,DAX\\n              | line 1: symbol 'DAX' is listed twice",
            "no rows           | date,DAX\\n                  | p.csv: no price rows after the header",
            "empty             | ''                           | p.csv: empty",
    })
    void aFileWithoutAUsableHeaderOrRowsIsRefused(String what, String text, String message) {
        assertThatThrownBy(() -> PriceCsv.parse("p.csv", text.replace("\\n", "\n")))
                .isInstanceOf(PriceCsv.Invalid.class).hasMessageContaining(message);
    }
}
