# syntax=docker/dockerfile:1
# One image for every role: run (the service), writer, migrate, create-topics and the model
# commands (export, import, reset, rollback, promote, compare, replay, pretrain, learn, evaluate).
#   docker build -t metalearner:0.1.0 .                              (fast engine only, the default)
#   docker build -t metalearner:0.1.0-dl4j --build-arg WITH_DL4J=true .   (+ ND4J natives: dl4j engine, export)
#   docker run --rm -v $PWD/deploy/service.properties:/etc/metalearner/service.properties:ro \
#     -e METALEARNER_BOOTSTRAP_SERVERS=kafka:9092 metalearner:0.1.0 run --config /etc/metalearner/service.properties
# Not in the image: the tools of src/tools (the embedded demo, simulate, the harness, fuzz, the
# benchmarks) and the broker and PostgreSQL they embed; the build below never compiles them.

# Base images: pinned tags, updated by hand (see deploy/README.md, "The image", for how to pin
# them by digest as well).
# ---- build: the Maven wrapper, as on a developer's machine --------------------------------------
FROM eclipse-temurin:17.0.16_8-jdk-jammy AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY schemas/ schemas/
COPY src/main/ src/main/
# The cache mount keeps ~/.m2 between builds; tests run in CI (./mvnw -B verify), not here.
# target/lib is the jar's runtime dependencies, less the ND4J and OpenBLAS native libraries (about
# 100 MB) unless WITH_DL4J=true: only the dl4j engine and `export` use them, the default fast engine
# is plain Java; without them, a service configured with engine=dl4j refuses to start and says so.
ARG WITH_DL4J=false
# The build also writes the SBOM of the runtime dependencies (CycloneDX, target/bom.json).
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -Dmaven.test.skip=true \
      -Dlib.excludeClassifiers="$([ "$WITH_DL4J" = true ] || echo linux-x86_64)" \
 && mkdir -p /out/lib /out/app \
 && cp target/metalearner.jar target/bom.json /out/app/ \
 && cp target/lib/*.jar /out/lib/

# ---- runtime: a JRE 17, a non-root user, the state directory as a volume --------------------------
# Nothing installed: the healthchecks probe with bash (docker-compose.yml), the Connect
# registration job runs in the Connect image.
FROM eclipse-temurin:17.0.16_8-jre-jammy
RUN groupadd --system --gid 10001 metalearner \
 && useradd --system --uid 10001 --gid metalearner --home-dir /var/lib/metalearner --no-create-home metalearner \
 && mkdir -p /var/lib/metalearner/streams /etc/metalearner \
 && chown -R metalearner:metalearner /var/lib/metalearner
# Dependencies and the application in layers of their own: a code change rebuilds only the last
# (a few MB), the dependencies' layer stays cached and pulled.
COPY --from=build /out/lib/ /opt/metalearner/lib/
COPY --from=build /out/app/ /opt/metalearner/
COPY deploy/service.properties deploy/writer.properties /etc/metalearner/
# Kafka Streams' local state (the learner stores): keep it across restarts for a fast start.
VOLUME ["/var/lib/metalearner"]
# 8080: the service's HTTP API, dashboard, /metrics and /health/*; 8081: the writer's health.port
EXPOSE 8080 8081
USER 10001:10001
WORKDIR /var/lib/metalearner
# JAVA_OPTS reaches the JVM; config comes from --config FILE (mount your own over /etc/metalearner)
# plus METALEARNER_* variables, e.g. METALEARNER_JDBC_PASSWORD.
# Half the memory for the heap: RocksDB (rocksdb.memory.bytes) and the JVM's native memory need the rest.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    METALEARNER_LOG_FORMAT=json
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/opt/metalearner/metalearner.jar:/opt/metalearner/lib/*' io.pim.metalearner.cli.Main \"$@\"", "metalearner"]
CMD ["--help"]
