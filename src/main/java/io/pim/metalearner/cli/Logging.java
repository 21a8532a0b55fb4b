package io.pim.metalearner.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the logs go, changed at a command's start on top of logback.xml (which keeps the levels):
 * the services ({@code run}, {@code writer}) log to the console as text or as JSON lines; the
 * demo keeps the console for its own progress and sends everything logged to a file. Either way
 * java.util.logging (Apicurio's client uses it) is forwarded to SLF4J, so it follows the same rules.
 */
public final class Logging {
    enum Format { text, json }

    /** {@code --log-format}, for the commands that run as services. */
    static final class FormatOption {
        // the help says "text", not ${DEFAULT-VALUE}: that is the environment's value, not the default
        @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:METALEARNER_LOG_FORMAT:-text}",
                description = "Console log lines as text (timestamp, level, thread, logger, message) or one JSON "
                        + "object per line; default from METALEARNER_LOG_FORMAT, else text.")
        Format format = Format.text;

        void apply() {
            use(format);
        }
    }

    private static final String FALLBACK_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

    private Logging() {
    }

    /** The console appenders write {@code format}: text as logback.xml says, or one JSON object per line. */
    static synchronized void use(Format format) {
        forwardJavaUtilLogging();
        if (format == Format.text) return;
        LoggerContext context = context();
        for (Appender<ILoggingEvent> appender : appenders(context)) {
            if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) continue;
            JsonEncoder json = new JsonEncoder();
            json.setContext(context);
            // what a log shipper needs, without the repeated context and the unformatted template
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.start();
            console.stop();
            console.setEncoder(json);
            console.start();
        }
    }

    /** The console as logback.xml says (java.util.logging included); closing changes nothing. */
    public static AutoCloseable onConsole() {
        use(Format.text);
        return () -> { };
    }

    /**
     * Until closed, everything logged goes to {@code file} (overwritten) instead of the console;
     * closing stops the file and gives the console back (an in-process caller such as a test
     * keeps its own logging).
     */
    public static synchronized AutoCloseable toFile(Path file) throws IOException {
        forwardJavaUtilLogging();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        LoggerContext context = context();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> console = appenders(context);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(console.stream().map(Logging::patternOf).filter(p -> p != null).findFirst().orElse(FALLBACK_PATTERN));
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("file");
        appender.setFile(file.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) throw new IOException("cannot write the log file " + file);

        root.addAppender(appender);
        console.forEach(root::detachAppender);
        return () -> {
            synchronized (Logging.class) {
                console.forEach(root::addAppender);
                root.detachAppender(appender);
                appender.stop();
            }
        };
    }

    private static String patternOf(Appender<ILoggingEvent> appender) {
        return appender instanceof ConsoleAppender<ILoggingEvent> console
                && console.getEncoder() instanceof PatternLayoutEncoder pattern ? pattern.getPattern() : null;
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static List<Appender<ILoggingEvent>> appenders(LoggerContext context) {
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
        return appenders;
    }

    /** Hands java.util.logging's records to SLF4J instead of its own console handler (once). */
    private static void forwardJavaUtilLogging() {
        if (SLF4JBridgeHandler.isInstalled()) return;
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }
}
