package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The OpenAPI document is valid OpenAPI 3.0 by swagger-parser's own checks: the lint of the build. */
class OpenApiDocumentTest {

    @Test
    void theDocumentIsValidOpenApi() throws IOException {
        String document;
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.json")) {
            document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ParseOptions options = new ParseOptions();
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(document, null, options);

        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getMessages()).isEmpty();
    }
}
