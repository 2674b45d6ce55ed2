package io.bitnettt.langchain4j;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An application gets one Jackson: the databind this project pins is the one langchain4j-core's own
 * pom asks for, and it matches the jackson-core on the class path (a mixed Jackson fails at run
 * time in ways that are hard to trace back).
 */
class JacksonVersionTest {

    @Test
    void databindIsTheVersionLangChain4jCoreDeclaresAndMatchesJacksonCore() throws Exception {
        String pom;
        try (InputStream in = dev.langchain4j.model.chat.ChatModel.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/dev.langchain4j/langchain4j-core/pom.xml")) {
            assertNotNull(in, "langchain4j-core's jar carries no pom");
            pom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("<artifactId>jackson-databind</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(m.find(), "langchain4j-core's pom declares no jackson-databind");
        String databind = com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString();
        assertEquals(m.group(1), databind);
        assertEquals(com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString(), databind);
    }
}
