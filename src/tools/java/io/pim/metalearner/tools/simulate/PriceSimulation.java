package io.pim.metalearner.tools.simulate;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.trade.Vote;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code simulate --prices}: a {@link PriceBacktest}'s decisions as lines of the {@code learn} input format. */
final class PriceSimulation {
    private static final JsonMapper MAPPER = new JsonMapper();

    private PriceSimulation() {
    }

    /** Writes every decision; says on {@code err} which rule each agent plays and what came out. */
    static int write(PriceHistory prices, List<String> roster, int hold, Writer w, PrintWriter err) throws IOException {
        var backtest = new PriceBacktest(prices, roster, hold);
        for (String agent : roster) err.printf("simulate: %s votes %s%n", agent, backtest.ruleOf(agent));
        List<PriceBacktest.Decision> decisions = backtest.decisions();
        for (PriceBacktest.Decision d : decisions) {
            w.write(line(d, hold));
            w.write('\n');
        }
        if (decisions.isEmpty()) {
            err.printf("simulate: no decisions: %d days of closes, the rules need %d before the first vote and %d after it%n",
                    prices.days(), backtest.firstDecisionDay() + 1, hold);
        } else {
            err.printf(Locale.ROOT, "simulate: %d decisions on %d symbols, decided %s to %s, each held %d trading day(s)%n",
                    decisions.size(), prices.symbols().size(), decisions.get(0).decided(),
                    decisions.get(decisions.size() - 1).decided(), hold);
        }
        err.flush();
        return decisions.size();
    }

    static String line(PriceBacktest.Decision d, int hold) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("decision_id", d.trade().decisionId());
        o.put("symbol", d.trade().symbol());
        o.put("action", d.trade().action());
        o.put("entry_price", d.trade().entryPrice());
        o.put("exit_price", d.trade().exitPrice());
        o.put("decided_at", d.decided().toString());
        o.put("closed_at", d.closed().toString());
        o.put("hold_duration", hold);
        ObjectNode votes = o.putObject("agent_votes");
        for (Map.Entry<String, Vote> e : d.trade().votes().entrySet()) {
            ObjectNode v = votes.putObject(e.getKey());
            v.put("direction", e.getValue().direction().name());
            v.put("confidence", e.getValue().confidence());
            v.put("position_size", e.getValue().positionSize());
        }
        return o.toString();
    }
}
