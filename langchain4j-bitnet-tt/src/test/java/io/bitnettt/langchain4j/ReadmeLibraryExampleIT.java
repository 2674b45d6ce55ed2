package io.bitnettt.langchain4j;

import io.bitnettt.demo.DemoModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Using it as a library" section, as written: its dependency names this build, its
 * program compiles against the packaged jars alone, and it runs with the README's command lines on
 * the class path and on the module path; the error it quotes for a missing flag is the real one.
 * Runs after {@code package} (failsafe), when the jars exist.
 */
class ReadmeLibraryExampleIT {
    @TempDir
    static Path work;
    static String readme;
    static Path libs;
    static Path classes;
    static Path model;

    @BeforeAll
    static void compileTheExample() throws Exception {
        readme = Files.readString(Path.of(System.getProperty("bitnet.repo.root")).resolve("README.md"));
        libs = Files.createDirectories(work.resolve("libs"));
        Files.copy(Path.of(System.getProperty("bitnet.jar")), libs.resolve("langchain4j-bitnet-tt.jar"));
        try (Stream<Path> deps = Files.list(Path.of(System.getProperty("bitnet.lib")))) {
            for (Path jar : deps.toList()) {
                // The command line's picocli is optional: an application must not need it.
                if (!jar.getFileName().toString().startsWith("picocli")) {
                    Files.copy(jar, libs.resolve(jar.getFileName()));
                }
            }
        }
        Path source = work.resolve("src/Example.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, block("library-example", "java"));
        classes = Files.createDirectories(work.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        String classPath;
        try (Stream<Path> jars = Files.list(libs)) {
            // Listed one by one: the compiler API does not expand "libs/*" as the launchers do.
            classPath = String.join(java.io.File.pathSeparator, jars.map(Path::toString).sorted().toList());
        }
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-cp", classPath,
                source.toString());
        assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));
        model = DemoModel.ensure(work.resolve("cache"));
    }

    /** The fenced block of {@code language} right after {@code <!-- marker -->}. */
    static String block(String marker, String language) {
        Matcher m = Pattern.compile("<!-- " + Pattern.quote(marker) + " -->\\n```" + language + "\\n(.*?)```",
                Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README has no ```" + language + " block after <!-- " + marker + " -->");
        return m.group(1);
    }

    @Test
    void theDependencyIsThisBuildAndTheFlagsAreThePomsFlags() {
        String xml = block("library-dependency", "xml");
        assertTrue(xml.contains("<groupId>" + System.getProperty("bitnet.groupId") + "</groupId>"), xml);
        assertTrue(xml.contains("<artifactId>langchain4j-bitnet-tt</artifactId>"), xml);
        assertTrue(xml.contains("<version>" + System.getProperty("bitnet.version") + "</version>"), xml);
        assertTrue(block("library-run-classpath", "bash").contains(System.getProperty("bitnet.jvm.flags")));
    }

    @Test
    void theClassPathCommandRunsTheExample() throws Exception {
        Result r = run(command("library-run-classpath", null));
        assertEquals(0, r.status, r.err);
        assertFalse(r.out.isBlank(), r.err);
        assertFalse(r.err.contains("WARNING: A restricted method"), r.err);
    }

    @Test
    void theModulePathCommandRunsTheExample() throws Exception {
        Result r = run(command("library-run-modulepath", null));
        assertEquals(0, r.status, r.err);
        assertFalse(r.out.isBlank(), r.err);
        assertFalse(r.err.contains("WARNING: A restricted method"), r.err);
    }

    @Test
    void withoutTheVectorModuleBuildFailsAsTheReadmeSays() throws Exception {
        Result r = run(command("library-run-classpath", "--add-modules jdk.incubator.vector"));
        assertNotEquals(0, r.status);
        assertTrue(r.err.contains("BackendUnavailableException: [auto] select: no backend is available:"), r.err);
        assertTrue(r.err.contains("cpu: the Vector API is missing; run with --add-modules jdk.incubator.vector"), r.err);
        assertTrue(readme.contains("cpu: the Vector API is\n  missing; run with --add-modules jdk.incubator.vector"));
    }

    @Test
    void withoutNativeAccessItRunsWithTheWarningTheReadmeQuotes() throws Exception {
        Result r = run(command("library-run-classpath", "--enable-native-access=ALL-UNNAMED"));
        assertEquals(0, r.status, r.err);
        assertTrue(r.err.contains("WARNING: A restricted method in java.lang.foreign"), r.err);
        assertTrue(r.err.contains("Use --enable-native-access="), r.err);
    }

    /** The README's command, with its placeholders pointing here and {@code without} left out. */
    private static List<String> command(String marker, String without) {
        String line = block(marker, "bash").strip();
        if (without != null) {
            assertTrue(line.contains(without + " "), line);
            line = line.replace(without + " ", "");
        }
        List<String> args = new ArrayList<>();
        for (String word : line.split(" +")) {
            word = word.replace("\"", "").replace("app.jar", classes.toString()).replace("libs", libs.toString());
            args.add(word.equals("java") ? ProcessHandle.current().info().command().orElseThrow() : word);
        }
        args.add(model.toString());
        return args;
    }

    record Result(int status, String out, String err) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "still running: " + command);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
