package io.pim.metalearner;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The boundaries between the product's packages (each {@code package-info.java} says what its
 * package may use). The product is {@code src/main}; the tools ({@code src/tools}) and the tests may
 * use any of it, and nothing of the product may use them.
 */
class ArchitectureTest {
    private static JavaClasses product;

    @BeforeAll
    static void importTheProduct() {
        product = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS) // target/classes only
                .importPackages("io.pim.metalearner");
    }

    @Test
    void theLearningCoreKnowsNothingOfKafkaSqlHttpOrTheCommandLine() {
        ArchRule rule = noClasses().that().resideInAPackage("io.pim.metalearner.learn..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "io.apicurio..", "org.apache.avro..", "io.pim.metalearner.avro..",
                        "java.sql..", "javax.sql..", "org.jdbi..", "org.postgresql..", "org.flywaydb..",
                        "io.javalin..", "org.eclipse.jetty..", "java.net.http..", "jakarta.servlet..",
                        "picocli..",
                        "io.pim.metalearner.config..", "io.pim.metalearner.kafka..", "io.pim.metalearner.stream..",
                        "io.pim.metalearner.sink..", "io.pim.metalearner.api..", "io.pim.metalearner.offline..",
                        "io.pim.metalearner.cli..")
                .because("the model and its rules are plain Java: the same maths online, offline and in tests");
        rule.check(product);
    }

    @Test
    void theTopologyImportsNeitherTheApiTheWriterNorTheCommandLine() {
        ArchRule rule = noClasses().that().resideInAPackage("io.pim.metalearner.stream..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.pim.metalearner.api..", "io.pim.metalearner.sink..", "io.pim.metalearner.cli..",
                        "io.pim.metalearner.offline..", "io.javalin..", "org.jdbi..", "picocli..")
                .because("the HTTP API, the writer and the commands are built on the topology, not in it");
        rule.check(product);
    }

    @Test
    void theApiAndTheWriterAreApart() {
        ArchRule rule = noClasses().that().resideInAPackage("io.pim.metalearner.api..")
                .should().dependOnClassesThat().resideInAnyPackage("io.pim.metalearner.sink..", "io.pim.metalearner.cli..")
                .orShould().dependOnClassesThat().resideInAnyPackage("org.jdbi..", "org.postgresql..")
                .because("the service answers from its own state; the writer is another process");
        rule.check(product);
    }

    @Test
    void theKafkaPlumbingKnowsNoneOfItsUsers() {
        ArchRule rule = noClasses().that().resideInAPackage("io.pim.metalearner.kafka..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.pim.metalearner.stream..", "io.pim.metalearner.api..", "io.pim.metalearner.sink..",
                        "io.pim.metalearner.cli..", "io.pim.metalearner.offline..")
                .because("clients, serdes and topics are shared by the topology, the writer, the API and the commands");
        rule.check(product);
    }

    @Test
    void noProductPackageImportsATool() {
        noTools().check(product);
    }

    /** The compiler already keeps src/main from src/tools; this shows the rule would see it too. */
    @Test
    void theToolsRuleSeesAToolUsingTheEmbeddedStack() {
        JavaClasses demo = new ClassFileImporter().importPackages("io.pim.metalearner.tools.demo");

        assertThat(noTools().evaluate(demo).hasViolation()).isTrue();
    }

    private static ArchRule noTools() {
        return noClasses().that().resideInAPackage("io.pim.metalearner..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.pim.metalearner.tools..", "io.pim.metalearner.testing..",
                        "kafka..", "org.apache.kafka.server..", "org.apache.kafka.metadata..", "io.zonky..")
                .because("the image ships the product alone: no embedded broker, PostgreSQL, harness, fuzz or benchmark");
    }

    @Test
    void onlyTheDl4jPackageImportsDl4j() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("io.pim.metalearner.learn.dl4j..")
                .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..", "org.bytedeco..")
                .because("the plain-Java engine is the default; DL4J is one engine behind the Engine interface");
        rule.check(product);
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("io.pim.metalearner.(**)").should().beFreeOfCycles().check(product);
    }
}
