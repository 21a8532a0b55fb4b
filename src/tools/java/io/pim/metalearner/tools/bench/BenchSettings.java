package io.pim.metalearner.tools.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What a benchmark harness is told: its {@code --name value} options, and
 * {@code -Dbench.settings=key=value,key=value}, extra service settings for its embedded stack.
 */
final class BenchSettings {
    private BenchSettings() {
    }

    /** {@code --name value} pairs, by name without the dashes. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        return options;
    }

    static Properties addTo(Properties settings) {
        for (String kv : System.getProperty("bench.settings", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) settings.setProperty(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return settings;
    }
}
