package io.pim.metalearner.api;

import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.Reader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/openapi.yaml against the real server: the routes {@link ApiServer} registers are read from its
 * Javalin router and must be exactly the (method, path) pairs the document lists, both ways, so a route
 * added without its documentation, or documented without existing, fails here. The server runs with
 * every optional part on (admin token and sender, health, feedback token), so it registers all it can.
 */
class OpenApiDocumentTest {
    static final Path DOCUMENT = Path.of("docs/openapi.yaml");
    /** The operations a path item can hold (OpenAPI 3.0); its other keys are parameters, summary, .... */
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    /** Marks a documented page the static files serve, not the router. */
    private static final String STATIC_FILE = "x-static-file";

    private static ApiServer server;

    @BeforeAll
    static void start() {
        AdminRoutes.Sender noCommands = command -> {
            throw new AssertionError("this test sends no command, got " + command);
        };
        Health up = new Health() {
            @Override
            public Check live() {
                return new Check(true, "RUNNING", "up");
            }

            @Override
            public Check ready() {
                return live();
            }
        };
        ApiConfig config = new ApiConfig(0, "default", 10, Duration.ofSeconds(1), "admin-token-0123456789",
                "feedback-token-0123456789");
        server = new ApiServer(config, ApiServerTest.VIEW, ApiServerTest.GATEWAY, () -> "", noCommands, up,
                (modelId, step, minAccuracy, includeDeleted) -> new byte[0]).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theDocumentedRoutesAreExactlyTheRoutesTheServerRegisters() throws Exception {
        // given
        Map<String, Map<String, Object>> paths = documentedPaths();

        // when
        Set<String> registered = registeredRoutes(server);
        Set<String> documented = routes(paths, false);

        // then
        assertThat(minus(registered, documented))
                .as("routes ApiServer registers that docs/openapi.yaml does not document: add them to the document")
                .isEmpty();
        assertThat(minus(documented, registered))
                .as("routes docs/openapi.yaml documents that ApiServer does not register: remove them or register them")
                .isEmpty();
        assertThat(registered).as("the router was read at all").contains("POST /api/pim/feedback");
    }

    @Test
    void theDocumentedStaticPagesAreServed() throws Exception {
        // given
        Set<String> pages = routes(documentedPaths(), true);

        // then
        assertThat(pages).isNotEmpty();
        for (String page : pages) {
            assertThat(page).as("a static file is fetched with GET").startsWith("GET ");
            String path = page.substring("GET ".length());
            HttpResponse<String> response = ApiServerTest.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(page + " is marked " + STATIC_FILE + " in " + DOCUMENT).isEqualTo(200);
        }
    }

    /** "METHOD /path" of every HTTP endpoint in the router (not the before/after filters), path parameters as {name}. */
    static Set<String> registeredRoutes(ApiServer server) {
        return server.javalin().unsafe.internalRouter.allHttpHandlers().stream()
                .map((ParsedEndpoint parsed) -> parsed.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .map(OpenApiDocumentTest::route)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String route(Endpoint e) {
        // Javalin writes a path parameter {name} or <name> (the latter may hold slashes); OpenAPI only {name}
        return e.method.name().toUpperCase() + " " + e.path.replaceAll("<([^>]+)>", "{$1}");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> documentedPaths() throws Exception {
        try (Reader in = Files.newBufferedReader(DOCUMENT)) {
            Map<String, Object> document = new Yaml().load(in);
            assertThat((String) document.get("openapi")).startsWith("3.0.");
            return (Map<String, Map<String, Object>>) document.get("paths");
        }
    }

    /** "METHOD /path" of the documented operations: those the router serves, or those marked as static files. */
    private static Set<String> routes(Map<String, Map<String, Object>> paths, boolean staticFiles) {
        Set<String> routes = new TreeSet<>();
        paths.forEach((path, item) -> item.forEach((key, operation) -> {
            if (!METHODS.contains(key)) return;
            boolean isStatic = Boolean.TRUE.equals(((Map<?, ?>) operation).get(STATIC_FILE));
            if (isStatic == staticFiles) routes.add(key.toUpperCase() + " " + path);
        }));
        return routes;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> difference = new TreeSet<>(a);
        difference.removeAll(b);
        return difference;
    }
}
