package io.pim.metalearner.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring files of deploy/monitoring as a test reads them: the alert rules' expressions,
 * the dashboard's queries, and the metric names a PromQL expression selects.
 */
public final class MonitoringFiles {
    public static final Path ALERTS = DeployFiles.ROOT.resolve("deploy/monitoring/prometheus/alerts.yml");
    public static final Path DASHBOARD = DeployFiles.ROOT.resolve("deploy/monitoring/grafana/dashboards/metalearner.json");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan");

    private MonitoringFiles() {
    }

    /** The alert rules' groups, as alerts.yml holds them. */
    public static List<Map<String, Object>> ruleGroups() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(ALERTS));
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Object g : DeployFiles.list(rules.get("groups"))) groups.add(DeployFiles.map(g));
        return groups;
    }

    /** Every rule's expression. */
    public static List<String> ruleExpressions() throws IOException {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> group : ruleGroups()) {
            for (Object r : DeployFiles.list(group.get("rules"))) out.add((String) DeployFiles.map(r).get("expr"));
        }
        return out;
    }

    public static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every query of the dashboard: the panels' targets and the template variables'. */
    public static List<String> dashboardQueries() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.path("targets")) out.add(target.get("expr").asText());
        }
        for (JsonNode variable : dashboard().at("/templating/list")) {
            if ("query".equals(variable.path("type").asText())) out.add(variable.at("/query/query").asText());
        }
        return out;
    }

    /** The metric names an expression selects (functions, keywords, labels, ranges and strings left out). */
    public static Set<String> metricNames(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher values = LABEL_VALUES.matcher(promql);
        if (values.find()) {
            names.add(values.group(1));
            return names;
        }
        String s = STRING.matcher(promql).replaceAll("\"\"");
        s = s.replaceAll("\\{[^}]*\\}", " ").replaceAll("\\[[^\\]]*\\]", " ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String token = m.group();
            boolean function = s.substring(m.end()).matches("(?s)\\s*\\(.*");
            boolean inNumber = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!function && !inNumber && !KEYWORDS.contains(token.toLowerCase())) names.add(token);
        }
        return names;
    }

    /** The metric names of all these expressions. */
    public static Set<String> metricNames(List<String> expressions) {
        Set<String> out = new TreeSet<>();
        for (String e : expressions) out.addAll(metricNames(e));
        return out;
    }
}
